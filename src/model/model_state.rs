//! What a model's `model_state` (svv_ml_model_info) means for its grants. AWS documents two
//! values, `Model is Ready` and `Train Model On SageMaker In Progress` (DG r_SVV_ML_MODEL_INFO);
//! SHOW MODEL names the statuses READY, TRAINING and FAILED (DG r_SHOW_MODEL). Anything else is a
//! state mlgrant does not know: its grants wait like an unready model's, but loudly.

/// A model's state, as far as its grants go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ModelStage {
    /// `Model is Ready`: grants and revokes go ahead.
    Ready,
    /// Training or otherwise in progress (`... In Progress`): grants wait.
    InProgress,
    /// Training failed (a state naming failure): grants wait until it is dropped or retrained.
    Failed,
    /// No page documents this state: grants wait, and the plan says so loudly.
    Unknown,
}

/// The state `Model is Ready`, the one in which grants go ahead.
pub const READY: &str = "Model is Ready";

impl ModelStage {
    pub fn of(state: &str) -> ModelStage {
        let s = state.trim();
        let lower = s.to_ascii_lowercase();
        if s == READY {
            ModelStage::Ready
        } else if lower.ends_with("in progress") {
            ModelStage::InProgress
        } else if lower.contains("fail") {
            ModelStage::Failed
        } else {
            ModelStage::Unknown
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_states_and_the_rest() {
        assert_eq!(ModelStage::of("Model is Ready"), ModelStage::Ready);
        assert_eq!(
            ModelStage::of("Train Model On SageMaker In Progress"),
            ModelStage::InProgress
        );
        assert_eq!(
            ModelStage::of("Train Model On Forecast In Progress"),
            ModelStage::InProgress
        );
        assert_eq!(ModelStage::of("Model Failed"), ModelStage::Failed);
        assert_eq!(ModelStage::of("Model is ready"), ModelStage::Unknown);
        assert_eq!(ModelStage::of("Deploying"), ModelStage::Unknown);
    }
}
