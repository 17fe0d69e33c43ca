//! The process's allocator, split by size: mimalloc for the many small objects that are made
//! on one thread and freed on another (a trap, a probe result, a packet summary: glibc's arenas
//! spent a fifth of the trap receiver's time on exactly that), the system allocator for large
//! buffers (glibc maps each on its own, grows it in place with mremap and gives it back when
//! freed, where mimalloc would copy on growth and keep the pages).

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations of this many bytes or more go to the system allocator.
const LARGE: usize = 16 * 1024;

pub(crate) struct Split;

// SAFETY: every block is allocated and freed by the same allocator, chosen by its size, and the
// caller's layout (the one it was allocated with, as `GlobalAlloc` requires) gives that size
// back; a reallocation that crosses the threshold moves the block between the two.
unsafe impl GlobalAlloc for Split {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            unsafe { System.alloc(layout) }
        } else {
            unsafe { mimalloc::MiMalloc.alloc(layout) }
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if layout.size() >= LARGE {
            unsafe { System.alloc_zeroed(layout) }
        } else {
            unsafe { mimalloc::MiMalloc.alloc_zeroed(layout) }
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if layout.size() >= LARGE {
            unsafe { System.dealloc(ptr, layout) }
        } else {
            unsafe { mimalloc::MiMalloc.dealloc(ptr, layout) }
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        match (layout.size() >= LARGE, new_size >= LARGE) {
            (true, true) => unsafe { System.realloc(ptr, layout, new_size) },
            (false, false) => unsafe { mimalloc::MiMalloc.realloc(ptr, layout, new_size) },
            _ => {
                // SAFETY: `realloc`'s contract makes `new_size` with the old alignment a valid
                // layout.
                let new = unsafe { Layout::from_size_align_unchecked(new_size, layout.align()) };
                let moved = unsafe { self.alloc(new) };
                if !moved.is_null() {
                    unsafe {
                        std::ptr::copy_nonoverlapping(ptr, moved, layout.size().min(new_size));
                        self.dealloc(ptr, layout);
                    }
                }
                moved
            }
        }
    }
}
