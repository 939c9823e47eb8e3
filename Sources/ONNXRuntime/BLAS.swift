import CBLAS

/// Row-major single-precision GEMM on OpenBLAS: C = alpha·op(A)·op(B) + beta·C.
/// The one wrapper of `cblas_sgemm`, for inference and training alike.
@inline(__always)
public func sgemm(transA: Bool = false, transB: Bool = false, m: Int, n: Int, k: Int, alpha: Float = 1,
                  a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
                  beta: Float = 0, c: UnsafeMutablePointer<Float>, ldc: Int) {
    if m == 0 || n == 0 { return }
    if k == 0 {
        for i in 0..<m { for j in 0..<n { c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j] } }
        return
    }
    cblas_sgemm(CblasRowMajor, transA ? CblasTrans : CblasNoTrans, transB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(max(lda, 1)), b, Int32(max(ldb, 1)),
                beta, c, Int32(max(ldc, 1)))
}

/// OpenBLAS's threading.
public enum BLAS {
    /// Pins OpenBLAS to one thread: GlyphPrep already runs one worker per core.
    public static func useSingleThread() { openblas_set_num_threads(1) }
}
