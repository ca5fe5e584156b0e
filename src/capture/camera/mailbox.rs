//! A single-slot mailbox between the capture thread and the consumer: a newer item replaces
//! one that was not taken yet (counted as dropped), so the consumer always gets the latest
//! frame and a slow consumer never builds a queue. Closing it wakes everyone waiting.

use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// What [`Mailbox::take`] found.
#[derive(Debug, PartialEq, Eq)]
pub enum Taken<T> {
    Item(T),
    /// Nothing arrived within the timeout.
    Empty,
    /// The mailbox was closed; nothing more will come.
    Closed,
}

#[derive(Debug)]
struct Slot<T> {
    item: Option<T>,
    dropped: u64,
    closed: bool,
}

#[derive(Debug)]
pub struct Mailbox<T> {
    slot: Mutex<Slot<T>>,
    changed: Condvar,
}

impl<T> Default for Mailbox<T> {
    fn default() -> Self {
        Mailbox {
            slot: Mutex::new(Slot { item: None, dropped: 0, closed: false }),
            changed: Condvar::new(),
        }
    }
}

impl<T> Mailbox<T> {
    fn lock(&self) -> MutexGuard<'_, Slot<T>> {
        // A panic while holding this lock leaves the slot consistent (plain field writes).
        self.slot.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Leaves `item` for the consumer, replacing an untaken one; returns false once closed.
    pub fn put(&self, item: T) -> bool {
        let mut slot = self.lock();
        if slot.closed {
            return false;
        }
        if slot.item.replace(item).is_some() {
            slot.dropped += 1;
        }
        self.changed.notify_all();
        true
    }

    /// Takes the item, waiting up to `timeout` for one. An item left before closing is still
    /// handed on.
    pub fn take(&self, timeout: Duration) -> Taken<T> {
        let deadline = Instant::now() + timeout;
        let mut slot = self.lock();
        loop {
            if let Some(item) = slot.item.take() {
                return Taken::Item(item);
            }
            if slot.closed {
                return Taken::Closed;
            }
            let now = Instant::now();
            if now >= deadline {
                return Taken::Empty;
            }
            slot = self
                .changed
                .wait_timeout(slot, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
    }

    /// Closes the mailbox and wakes every waiter.
    pub fn close(&self) {
        self.lock().closed = true;
        self.changed.notify_all();
    }

    pub fn is_closed(&self) -> bool {
        self.lock().closed
    }

    /// Sleeps up to `timeout`, waking early when the mailbox is closed; true if closed.
    pub fn wait_closed(&self, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        let mut slot = self.lock();
        while !slot.closed {
            let now = Instant::now();
            if now >= deadline {
                return false;
            }
            slot = self
                .changed
                .wait_timeout(slot, deadline - now)
                .map(|(guard, _)| guard)
                .unwrap_or_else(|poisoned| poisoned.into_inner().0);
        }
        true
    }

    /// How many items were replaced before anyone took them.
    pub fn dropped(&self) -> u64 {
        self.lock().dropped
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    const SHORT: Duration = Duration::from_millis(1);
    const LONG: Duration = Duration::from_secs(10);

    #[test]
    fn newest_item_wins_and_drops_are_counted() {
        let m = Mailbox::default();
        assert_eq!(m.take(SHORT), Taken::Empty);
        assert!(m.put(1));
        assert!(m.put(2));
        assert!(m.put(3));
        assert_eq!(m.take(SHORT), Taken::Item(3));
        assert_eq!(m.take(SHORT), Taken::Empty);
        assert_eq!(m.dropped(), 2);
        assert!(m.put(4));
        assert_eq!(m.take(SHORT), Taken::Item(4));
        assert_eq!(m.dropped(), 2, "a taken item is not a drop");
    }

    #[test]
    fn close_hands_on_the_last_item_then_ends() {
        let m = Mailbox::default();
        m.put("last");
        m.close();
        assert!(!m.put("late"), "nothing is accepted after closing");
        assert_eq!(m.take(LONG), Taken::Item("last"));
        assert_eq!(m.take(LONG), Taken::Closed);
        assert!(m.is_closed());
        assert!(m.wait_closed(LONG));
    }

    #[test]
    fn a_waiting_taker_is_woken_by_put_and_by_close() {
        let m = Arc::new(Mailbox::default());
        let taker = {
            let m = Arc::clone(&m);
            std::thread::spawn(move || (m.take(LONG), m.take(LONG)))
        };
        // Whichever order the threads run in, the taker sees the item, then the close.
        m.put(7);
        while m.lock().item.is_some() {
            std::thread::yield_now();
        }
        m.close();
        assert_eq!(taker.join().unwrap(), (Taken::Item(7), Taken::Closed));
        assert!(!Mailbox::<u8>::default().wait_closed(SHORT), "an open mailbox times out");
    }
}
