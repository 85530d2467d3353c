// The inner product kernel shared by the snapshot's exact scores and the
// HNSW search (models/ann/vector_index.cc).
//
// Why our own: Debian's FAISS 1.7.3 is built for baseline x86-64, so its
// distance code is the scalar reference loop (fvec_inner_product_ref: 30%
// of the server's CPU in a batch-picks profile, 22% in an audience run);
// OpenBLAS's sgemv would start its own threads inside request threads.
#ifndef BOOMERANG_MODELS_ANN_DOT_H_
#define BOOMERANG_MODELS_ANN_DOT_H_

namespace boomerang::ann {

// x . y over `dim` floats, in eight independent partial sums added up in a
// fixed order, no fused multiply-adds (-ffp-contract=off in ann.cmake): the
// same sum on every instruction set (compiled once for x86-64-v3 and once
// for the baseline, picked at load time).
float Dot(const float* x, const float* y, int dim);

}  // namespace boomerang::ann

#endif  // BOOMERANG_MODELS_ANN_DOT_H_
