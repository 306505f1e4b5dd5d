//! Stage 6: turning views into a published portal: publishing a complete generation.

pub mod publish;
