// SPDX-License-Identifier: GPL-2.0

// Coverage markers shared by the sample drivers (`include!`d by each; not a
// module of its own). qemu-tests/run.sh counts the distinct names that
// `kgen-cov: KIND NAME` lines of the serial log give.

/// Prints a coverage marker the first time this call site runs.
macro_rules! cov {
    ($kind:literal, $name:expr) => {{
        static SEEN: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);
        if !SEEN.swap(true, core::sync::atomic::Ordering::Relaxed) {
            pr_info!("kgen-cov: {} {}\n", $kind, $name);
        }
    }};
}

/// Marks the callback NAME as executed.
macro_rules! callback {
    ($name:literal) => {
        cov!("callback", $name)
    };
}
