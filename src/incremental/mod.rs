//! What makes a rebuild cheap: each page's key (a hash of everything it shows), and what the last
//! build left to compare against. A plain build does not need any of it.

pub mod keys;
