//! The future event list, ordered by (time, insertion sequence): the earliest few events in a
//! short sorted list, the others in a binary heap.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use super::Instant;

/// Pending events, popped in time order; events at the same instant come out first-in first-out.
///
/// The sequence number makes the order total, so a run never depends on how the heap breaks ties.
/// The storage grows to the largest number of pending events and is then reused: scheduling does
/// not allocate in steady state. Which of the two holds the events does not change the order.
#[derive(Debug)]
pub struct EventList<E> {
    /// The earliest pending events, at most [`EventList::NEAR`], latest first: the earliest is
    /// popped from the end without comparing anything. A port's dozen services under way all
    /// fit.
    near: Vec<Entry<E>>,
    /// The other pending events, each later than every one in `near`.
    far: BinaryHeap<Entry<E>>,
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
        EventList::with_capacity(0)
    }
}

impl<E> EventList<E> {
    /// The earliest events kept sorted: up to this many.
    const NEAR: usize = 32;

    pub fn with_capacity(capacity: usize) -> Self {
        EventList {
            near: Vec::with_capacity(Self::NEAR),
            far: BinaryHeap::with_capacity(capacity.saturating_sub(Self::NEAR)),
            next_sequence: 0,
            now: Instant::START,
        }
    }

    /// Adds an event at `time`, which must not be before the last event popped: scheduling in
    /// the past is an error of the model and stops the program, in release builds too.
    #[inline(always)]
    pub fn schedule(&mut self, time: Instant, event: E) {
        if time < self.now {
            scheduled_in_the_past(time, self.now);
        }
        let sequence = self.next_sequence;
        self.next_sequence += 1;
        let entry = Entry {
            key: (u128::from(time.millis()) << 64) | u128::from(sequence),
            event,
        };
        // The heap's greatest is its earliest (reversed order). A full near list takes only an
        // event earlier than its latest, which makes room: it is earlier than every far one.
        let later_than_near = match self.near.first() {
            Some(latest) if self.near.len() == Self::NEAR => latest.key < entry.key,
            _ => self
                .far
                .peek()
                .is_some_and(|first_far| first_far.key < entry.key),
        };
        if later_than_near {
            self.far.push(entry);
            return;
        }
        if self.near.len() == Self::NEAR {
            let latest = self.near.remove(0);
            self.far.push(latest);
        }
        // Latest first: the new event goes after every later one (counted without a branch per
        // event: the list is short). Its sequence is the greatest yet, so the later ones are
        // those at a later time: the times alone decide.
        let time = time.millis();
        let at: usize = self
            .near
            .iter()
            .map(|pending| usize::from(Self::time_of(pending.key).millis() > time))
            .sum();
        self.near.insert(at, entry);
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(Instant, E)> {
        if self.near.is_empty() {
            self.refill();
        }
        let entry = self.near.pop()?;
        self.now = Self::time_of(entry.key);
        Some((self.now, entry.event))
    }

    /// Moves the earliest far events, half as many as the near list holds, into it.
    #[inline(never)]
    fn refill(&mut self) {
        let moved = self.far.len().min(Self::NEAR / 2);
        // Popped earliest first; the list keeps the latest first.
        self.near
            .extend(std::iter::from_fn(|| self.far.pop()).take(moved));
        self.near.reverse();
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
    fn many_events_pop_in_order_of_time_and_insertion() {
        // Thousands of events pending at once and few, in turn: the heap and the sorted list
        // and the moves between them keep the order (time, then insertion).
        let mut list = EventList::default();
        let mut reference = std::collections::BTreeMap::new();
        let mut state = 7u64;
        let mut draw = |below: u64| {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) % below
        };
        let (mut now, mut sequence) = (0u64, 0u64);
        for round in 0..40u64 {
            let (schedules, pops) = if round % 2 == 0 {
                (3000, 2500)
            } else {
                (50, 600)
            };
            for _ in 0..schedules {
                let time = now + draw(if round % 3 == 0 { 20 } else { 5000 });
                list.schedule(Instant::from_millis(time), sequence);
                reference.insert((time, sequence), ());
                sequence += 1;
            }
            for _ in 0..pops {
                let expected = reference.pop_first().map(|((time, seq), ())| (time, seq));
                let got = list.pop().map(|(time, seq)| (time.millis(), seq));
                assert_eq!(got, expected);
                if let Some((time, _)) = got {
                    now = time;
                }
            }
            // As in a run: a few events pending, all in the sorted list, and each one popped
            // schedules one anywhere among them.
            for _ in 0..10 {
                let time = now + draw(200);
                list.schedule(Instant::from_millis(time), sequence);
                reference.insert((time, sequence), ());
                sequence += 1;
            }
            for _ in 0..2000 {
                let expected = reference.pop_first().map(|((time, seq), ())| (time, seq));
                let got = list.pop().map(|(time, seq)| (time.millis(), seq));
                assert_eq!(got, expected);
                let Some((time, _)) = got else { break };
                now = time;
                let time = now + draw(if round % 3 == 0 { 3 } else { 200 });
                list.schedule(Instant::from_millis(time), sequence);
                reference.insert((time, sequence), ());
                sequence += 1;
            }
        }
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
