import CBLAS

/// Single-precision matrix products on OpenBLAS, row-major.
public enum BLAS {
    /// Pins OpenBLAS to one thread: GlyphPrep already runs one worker per core.
    public static func useSingleThread() { openblas_set_num_threads(1) }

    /// C[m×n] = alpha · op(A) · op(B) + beta · C, all row-major.
    public static func gemm(
        transposeA: Bool = false, transposeB: Bool = false,
        m: Int, n: Int, k: Int, alpha: Float = 1,
        a: UnsafePointer<Float>, lda: Int,
        b: UnsafePointer<Float>, ldb: Int,
        beta: Float = 0,
        c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        cblas_sgemm(CblasRowMajor,
                    transposeA ? CblasTrans : CblasNoTrans,
                    transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
    }
}
