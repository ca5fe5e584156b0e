# The two commands of README.md: `make run` and `make test`. Both set up what they need first.
CARGO ?= cargo
JOBS ?= 2

.PHONY: setup setup-test build run demo test bench lint accuracy

setup:
	./scripts/setup.sh

# Also what the test suite runs (chromium, tzdata, strace).
setup-test:
	./scripts/setup.sh --test

build: setup
	$(CARGO) build --release -j$(JOBS)

# The monitor: the webcam if there is one, else the bundled demo session.
run: build
	./scripts/run.sh

demo: build
	./target/release/knotless demo

test: setup-test
	$(CARGO) test -j$(JOBS)

# ACCURACY.md: the posture models fitted and scored leaving each body out, and the dev set.
accuracy: setup
	KNOTLESS_WRITE_ACCURACY=1 $(CARGO) test --release -j$(JOBS) --test accuracy -- --nocapture

bench: setup
	./benches/run.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --all-targets -j$(JOBS) -- -D warnings
