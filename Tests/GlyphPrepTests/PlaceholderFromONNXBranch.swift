// Placeholder so the package manifest resolves until this target gets real tests (added on branch onnx).
import Testing
