//! Hand-written part of the mini module (its source, beside the spec).
