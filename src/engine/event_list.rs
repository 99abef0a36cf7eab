//! The future event list: a binary heap ordered by (time, insertion sequence).

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::Instant;

/// Pending events, popped in time order; events at the same instant come out first-in first-out.
///
/// The sequence number makes the order total, so a run never depends on how the heap breaks ties.
/// The heap's storage grows to the largest number of pending events and is then reused: scheduling
/// does not allocate in steady state.
#[derive(Debug)]
pub struct EventList<E> {
    heap: BinaryHeap<Entry<E>>,
    next_sequence: u64,
    /// The time of the last event popped: nothing may be scheduled before it, so time never goes
    /// back (checked in every build: one comparison).
    now: Instant,
}

/// An event with its key: the time in the high 64 bits, the insertion sequence in the low 64,
/// so that one integer comparison orders by (time, sequence).
#[derive(Debug)]
struct Entry<E> {
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl<E> Eq for Entry<E> {}

impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<E> Ord for Entry<E> {
    /// Reversed, because `BinaryHeap` is a max-heap and the earliest event must come first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

impl<E> Default for EventList<E> {
    fn default() -> Self {
        EventList {
            heap: BinaryHeap::new(),
            next_sequence: 0,
            now: Instant::START,
        }
    }
}

impl<E> EventList<E> {
    pub fn with_capacity(capacity: usize) -> Self {
        EventList {
            heap: BinaryHeap::with_capacity(capacity),
            next_sequence: 0,
            now: Instant::START,
        }
    }

    /// Adds an event at `time`, which must not be before the last event popped: scheduling in
    /// the past is an error of the model and stops the program, in release builds too.
    #[inline]
    pub fn schedule(&mut self, time: Instant, event: E) {
        if time < self.now {
            scheduled_in_the_past(time, self.now);
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        self.heap.push(Entry {
            key: (u128::from(time.millis()) << 64) | u128::from(sequence),
            event,
        });
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Instant, E)> {
        let entry = self.heap.pop()?;
        self.now = Self::time_of(entry.key);
        Some((self.now, entry.event))
    }

    fn time_of(key: u128) -> Instant {
        Instant::from_millis((key >> 64) as u64)
    }
}

#[cold]
#[inline(never)]
fn scheduled_in_the_past(time: Instant, now: Instant) -> ! {
    panic!("scheduled {time:?}, before the current time {now:?} (an error in landport's model)")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn simultaneous_events_pop_in_insertion_order() {
        let mut list = EventList::default();
        list.schedule(Instant::from_millis(5), 'c');
        list.schedule(Instant::from_millis(1), 'a');
        list.schedule(Instant::from_millis(5), 'd');
        list.schedule(Instant::from_millis(1), 'b');
        list.schedule(Instant::from_millis(5), 'e');
        let order: String = std::iter::from_fn(|| list.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, "abcde");
    }

    #[test]
    fn scheduling_in_the_past_is_caught_in_every_build() {
        let caught = std::panic::catch_unwind(|| {
            let mut list = EventList::default();
            list.schedule(Instant::from_millis(5), 'a');
            list.pop();
            list.schedule(Instant::from_millis(4), 'b');
        });
        let message = caught.unwrap_err().downcast::<String>().unwrap();
        assert!(message.contains("before the current time"), "{message}");
    }
}
