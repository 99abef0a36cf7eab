//! The fastest plain loop for the three-stage network of `benches/data/three-stage.toml`: a binary
//! heap of events, a FIFO queue per stage, the same PCG-64 generator and exponential draws, and
//! nothing else (no statistics, no calendars, no records). landport's speed is measured against it.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, VecDeque};

use rand::{Rng, SeedableRng};
use rand_distr::{Distribution, Exp};
use rand_pcg::Pcg64;

/// One stage: servers, exponential service, where trucks go next (`None`: exit).
struct Station {
    servers: u32,
    service: Exp<f64>,
    routes: &'static [(Option<usize>, f64)],
}

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Arrival,
    Departure(usize),
}

/// Simulates `hours` of the network; returns the events handled.
pub fn run(hours: f64, seed: u64) -> u64 {
    // Rates per hour, as in the scenario file.
    let stations = [
        Station {
            servers: 4,
            service: Exp::new(60.0 / 3.0).unwrap(),
            routes: &[(Some(1), 0.6), (Some(2), 0.4)],
        },
        Station {
            servers: 3,
            service: Exp::new(60.0 / 3.6).unwrap(),
            routes: &[(Some(2), 0.5), (None, 0.5)],
        },
        Station {
            servers: 2,
            service: Exp::new(60.0 / 2.0).unwrap(),
            routes: &[(Some(0), 0.1), (None, 0.9)],
        },
    ];
    let arrivals = Exp::new(60.0).unwrap();
    let mut rng = Pcg64::seed_from_u64(seed);
    // Times in integer microseconds of an hour, so the heap orders exactly; ties by sequence.
    let to_ticks = |hours: f64| (hours * 3.6e9) as u64;
    let end = to_ticks(hours);
    let mut heap: BinaryHeap<Reverse<(u64, u64, Event)>> = BinaryHeap::new();
    let mut sequence = 0u64;
    let mut busy = [0u32; 3];
    let mut queues: [VecDeque<u64>; 3] = Default::default();
    let mut push = |heap: &mut BinaryHeap<_>, time: u64, event: Event| {
        sequence += 1;
        heap.push(Reverse((time, sequence, event)));
    };
    push(
        &mut heap,
        to_ticks(arrivals.sample(&mut rng)),
        Event::Arrival,
    );
    let mut events = 0u64;
    while let Some(Reverse((now, _, event))) = heap.pop() {
        if now >= end {
            break;
        }
        events += 1;
        let joins = match event {
            Event::Arrival => {
                let next = now + to_ticks(arrivals.sample(&mut rng));
                push(&mut heap, next, Event::Arrival);
                Some(0)
            }
            Event::Departure(stage) => {
                // The next in line starts, or the server goes idle.
                match queues[stage].pop_front() {
                    Some(_) => {
                        let done = now + to_ticks(stations[stage].service.sample(&mut rng));
                        push(&mut heap, done, Event::Departure(stage));
                    }
                    None => busy[stage] -= 1,
                }
                let draw: f64 = rng.random();
                let mut cumulative = 0.0;
                let routes = stations[stage].routes;
                routes
                    .iter()
                    .find(|(_, p)| {
                        cumulative += p;
                        draw < cumulative
                    })
                    .unwrap_or(&routes[routes.len() - 1])
                    .0
            }
        };
        if let Some(stage) = joins {
            if busy[stage] < stations[stage].servers {
                busy[stage] += 1;
                let done = now + to_ticks(stations[stage].service.sample(&mut rng));
                push(&mut heap, done, Event::Departure(stage));
            } else {
                queues[stage].push_back(now);
            }
        }
    }
    events
}
