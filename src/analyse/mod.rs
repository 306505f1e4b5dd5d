//! The analysis stage: figures computed from the resolved model, shared by the portal, `check` and the
//! reports. Coverage of each framework in scope, the overlap between frameworks (by requirement
//! elements), evidence freshness and review dates, ISMS readiness (is the management system
//! running?), and the gaps left in a framework.

pub mod coverage;
pub mod freshness;
pub mod gaps;
pub mod overlap;
pub mod readiness;
