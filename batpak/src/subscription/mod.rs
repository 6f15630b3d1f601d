//! DELIVERY: live subscriptions and guaranteed cursors.
//!
//! - [`Store::subscribe_lossy`](crate::store::Store::subscribe_lossy): a
//!   live push feed of new events in a region. The writer never waits for
//!   it; a subscriber that falls behind misses events and can see how many.
//! - [`Store::cursor_guaranteed`](crate::store::Store::cursor_guaranteed):
//!   a pull reader that never skips an event and resumes from a durable
//!   checkpoint the consumer commits (at-least-once).
//!
//! Both are fed by one commit listener inside the store, registered on
//! first use; the writer calls it once per committed write, with a batch's
//! events together, in log order.

mod checkpoint;
mod cursor;
mod error;
mod hub;
mod lossy;

pub use cursor::{GuaranteedCursor, TypedCursor, MAX_CURSOR_NAME_LEN};
pub use error::CursorError;
pub(crate) use hub::Hub;
pub use lossy::{LiveBatch, LossySubscription, DEFAULT_LOSSY_CAPACITY};
