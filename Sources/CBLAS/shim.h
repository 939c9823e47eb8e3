#ifndef CBLAS_SHIM_H
#define CBLAS_SHIM_H
#include <cblas.h>
/* OpenBLAS threading control: GlyphPrep parallelises across images, one BLAS thread each. */
void openblas_set_num_threads(int num_threads);
#endif
