//! The analysis stage: figures computed from the resolved model, shared by the portal, `check` and the
//! reports. Coverage of each framework in scope, the overlap between frameworks (by requirement
//! elements), evidence freshness and review dates, ISMS readiness (is the management system
//! running?), the gaps left in a framework, and the figures of the whole ISMS a profile
//! discloses.

pub mod coverage;
pub mod disclosed;
pub mod figures;
pub mod freshness;
pub mod gaps;
pub mod overlap;
pub mod readiness;
