//! The event loop allocates nothing per event: allocations do not grow with the run length.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

/// Counts allocations made by the current thread (tests run on several threads at once).
struct CountingAllocator;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|count| count.set(count.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

#[test]
fn run_summary_allocations_do_not_grow_with_the_horizon() {
    let text = crate::shipped("alashankou-reformed");
    let short = crate::scenario(&text.replace("horizon = \"30 d\"", "horizon = \"20 d\""));
    let long = crate::scenario(&text.replace("horizon = \"30 d\"", "horizon = \"400 d\""));
    let mut trucks = (0, 0);
    let short_allocations =
        allocations_during(|| trucks.0 = landport::run_summary(&short, 1).trucks.arrived);
    let long_allocations =
        allocations_during(|| trucks.1 = landport::run_summary(&long, 1).trucks.arrived);
    assert!(trucks.1 > trucks.0 + 60_000, "{trucks:?}");
    // Growth of the buffers to their peak and of the histograms' ranges is logarithmic at most;
    // one allocation per event or per truck would add tens of thousands.
    assert!(
        long_allocations < short_allocations + 100,
        "{short_allocations} allocations for {} trucks, {long_allocations} for {}",
        trucks.0,
        trucks.1
    );
}
