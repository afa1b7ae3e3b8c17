// Fused TensorFlow CPU kernels for spikelens's native backend (tfjs-node).
//
// tfjs runs a LIF recursion or a batch norm as a chain of element-wise kernels, each one a full
// pass over memory with its own launch (about 30 passes per layer and training step). These
// kernels do the same arithmetic in one or two passes, multithreaded on TensorFlow's own pool:
//
//   SpikelensLifForward / SpikelensLifBackward   the LIF recursion over T steps and its BPTT
//   SpikelensAlifForward / SpikelensAlifBackward the adaptive-threshold LIF's, likewise
//   SpikelensBnttForward / SpikelensBnttBackward per-step batch norm (BNTT) in training mode
//   SpikelensPoisson                             the Poisson spike encoder's frames for k steps
//   SpikelensReplicatePad / ...PadGrad           replicate padding by one pixel and its gradient
//   SpikelensAvgPool2Grad                        the gradient of 2×2 average pooling (stride 2, valid)
//   SpikelensBiasAdd / SpikelensStepAffine       per-channel bias, and BNTT in evaluation mode (x·a_t − b_t)
//   SpikelensSamSteps                            SAM's NCS recursion and maps over k steps (paper)
//
// The arithmetic follows lib/data/encode.ts and lib/random.ts (the sfc32 generator, bit for bit),
// lib/snn/lif.ts, lib/snn/surrogate.ts and lib/snn/bntt.ts operation by
// operation (float32, the same order; compiled without FMA contraction), so the LIF forward is
// bit-identical to the tfjs ops; batch-norm statistics are summed in double. Tests compare every
// kernel with the tfjs implementation (test/snn/native-kernels.test.ts).
//
// Built by scripts/setup-native.sh against the TensorFlow wheel's headers; loaded by
// lib/kernels/native.ts (the N-API stub at the end makes the library loadable with
// process.dlopen, which runs the op registrations below).
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "tensorflow/core/framework/op.h"
#include "tensorflow/core/framework/op_kernel.h"
#include "tensorflow/core/framework/shape_inference.h"

using namespace tensorflow;  // NOLINT

namespace {

// Reset modes and neuron orders, as the attrs encode them (lib/kernels/native.ts).
constexpr int kResetSubtract = 0, kResetZero = 1, kResetNone = 2;
constexpr int kIntegrateThenFire = 0, kFireThenIntegrate = 1;
// Surrogates: 0 piecewise-linear (param = scale), 1 fast sigmoid (param = slope).
constexpr int kPiecewiseLinear = 0, kFastSigmoid = 1;

// Runs fn(begin, end) over [0, total) on TensorFlow's intra-op pool.
void ParallelRange(OpKernelContext* ctx, int64_t total, int64_t cost_per_unit, const std::function<void(int64_t, int64_t)>& fn) {
  auto* workers = ctx->device()->tensorflow_cpu_worker_threads()->workers;
  workers->ParallelFor(total, cost_per_unit, fn);
}

// dS/du of the spike read from membrane x, as lib/snn/surrogate.ts computes it (float32 ops in order).
inline float SurrogateGrad(float x, float theta, int kind, float param_over_theta, float param) {
  if (kind == kPiecewiseLinear) {
    // relu(θ − |x − θ|) · (scale/θ)
    float a = x - theta;
    float b = std::fabs(a);
    float c = theta - b;
    float d = c > 0.f ? c : 0.f;
    return d * param_over_theta;
  }
  // 1 / (|x − θ|·slope + 1)²
  float a = std::fabs(x - theta) * param;
  float d = a + 1.f;
  return 1.f / (d * d);
}

Status SameAsInput0(shape_inference::InferenceContext* c) {
  c->set_output(0, c->input(0));
  return OkStatus();
}

// Output 0 is a rank-4 tensor whose dimensions the kernel computes (padding, pooling gradients).
Status Rank4Output(shape_inference::InferenceContext* c) {
  c->set_output(0, c->UnknownShapeOfRank(4));
  return OkStatus();
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// LIF forward: currents [T·B, …] time-major, u0 [B, …] → spikes [T·B, …], the membranes the spikes
// were read from (integrate-then-fire: pre-reset v_t; fire-then-integrate: u_{t−1}) when `save`,
// else an empty tensor, and the final membrane [B, …].
REGISTER_OP("SpikelensLifForward")
    .Input("currents: float")
    .Input("u0: float")
    .Attr("timesteps: int")
    .Attr("leak: float")
    .Attr("threshold: float")
    .Attr("reset: int")
    .Attr("order: int")
    .Attr("save: bool")
    .Output("spikes: float")
    .Output("membranes: float")
    .Output("final: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->UnknownShape());
      c->set_output(2, c->input(1));
      return OkStatus();
    });

struct LifPointers {
  const float* __restrict__ I;
  const float* __restrict__ u0;
  float* __restrict__ S;
  float* __restrict__ V;  // null: not saved
  float* __restrict__ U;
};

template <int ORDER, int RESET>
inline float ResetOf(float x, float s, float theta) {
  return RESET == kResetSubtract ? x - s * theta : RESET == kResetZero ? x * (1.f - s) : x;
}

// Neurons [begin, end) over all T steps; time outer so that each step streams through memory.
// λ = 1 multiplies by 1 (exact), as the tfjs path's skipped multiply.
template <int ORDER, int RESET>
void LifForwardRange(const LifPointers& p, int T, int64_t n, float lam, float theta, int64_t begin, int64_t end) {
  float* __restrict__ U = p.U;
  for (int64_t i = begin; i < end; i++) U[i] = p.u0[i];
  for (int t = 0; t < T; t++) {
    const int64_t off = static_cast<int64_t>(t) * n;
    const float* __restrict__ I = p.I + off;
    float* __restrict__ S = p.S + off;
    if (p.V) {
      float* __restrict__ V = p.V + off;
      for (int64_t i = begin; i < end; i++) {
        const float u = U[i];
        if (ORDER == kIntegrateThenFire) {
          const float v = u * lam + I[i];
          const float s = static_cast<float>(v > theta);
          S[i] = s; V[i] = v; U[i] = ResetOf<ORDER, RESET>(v, s, theta);
        } else {
          const float s = static_cast<float>(u > theta);
          S[i] = s; V[i] = u; U[i] = ResetOf<ORDER, RESET>(u, s, theta) * lam + I[i];
        }
      }
    } else {
      for (int64_t i = begin; i < end; i++) {
        const float u = U[i];
        if (ORDER == kIntegrateThenFire) {
          const float v = u * lam + I[i];
          const float s = static_cast<float>(v > theta);
          S[i] = s; U[i] = ResetOf<ORDER, RESET>(v, s, theta);
        } else {
          const float s = static_cast<float>(u > theta);
          S[i] = s; U[i] = ResetOf<ORDER, RESET>(u, s, theta) * lam + I[i];
        }
      }
    }
  }
}

class LifForwardOp : public OpKernel {
 public:
  explicit LifForwardOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("timesteps", &T_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("leak", &leak_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("threshold", &theta_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("reset", &reset_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("order", &order_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("save", &save_));
    OP_REQUIRES(ctx, T_ >= 1, errors::InvalidArgument("timesteps must be >= 1"));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& currents = ctx->input(0);
    const Tensor& u0 = ctx->input(1);
    const int64_t n = u0.NumElements();
    OP_REQUIRES(ctx, currents.NumElements() == n * T_,
                errors::InvalidArgument("SpikelensLifForward: currents have ", currents.NumElements(), " elements, expected ", T_, " x ", n));
    Tensor *spikes = nullptr, *membranes = nullptr, *final = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, currents.shape(), &spikes));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, save_ ? currents.shape() : TensorShape({0}), &membranes));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, u0.shape(), &final));
    LifPointers p{currents.flat<float>().data(), u0.flat<float>().data(), spikes->flat<float>().data(),
                  save_ ? membranes->flat<float>().data() : nullptr, final->flat<float>().data()};
    const int T = T_;
    const float lam = leak_, theta = theta_;
    const int variant = order_ * 3 + reset_;
    ParallelRange(ctx, n, 8 * T, [&](int64_t begin, int64_t end) {
      switch (variant) {
        case 0: LifForwardRange<kIntegrateThenFire, kResetSubtract>(p, T, n, lam, theta, begin, end); break;
        case 1: LifForwardRange<kIntegrateThenFire, kResetZero>(p, T, n, lam, theta, begin, end); break;
        case 2: LifForwardRange<kIntegrateThenFire, kResetNone>(p, T, n, lam, theta, begin, end); break;
        case 3: LifForwardRange<kFireThenIntegrate, kResetSubtract>(p, T, n, lam, theta, begin, end); break;
        case 4: LifForwardRange<kFireThenIntegrate, kResetZero>(p, T, n, lam, theta, begin, end); break;
        default: LifForwardRange<kFireThenIntegrate, kResetNone>(p, T, n, lam, theta, begin, end); break;
      }
    });
  }

 private:
  int T_, reset_, order_;
  float leak_, theta_;
  bool save_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensLifForward").Device(DEVICE_CPU), LifForwardOp);

// ---------------------------------------------------------------------------------------------
// LIF backward (BPTT through the recursion, lib/snn/lif.ts `Lif.backward`): dy = ∂L/∂spikes and the
// saved membranes [T·B, …] → ∂L/∂currents [T·B, …] and ∂L/∂u0 [B, …].
REGISTER_OP("SpikelensLifBackward")
    .Input("dy: float")
    .Input("membranes: float")
    .Attr("timesteps: int")
    .Attr("leak: float")
    .Attr("threshold: float")
    .Attr("reset: int")
    .Attr("order: int")
    .Attr("surrogate: int")
    .Attr("surrogate_param: float")
    .Attr("surrogate_param_over_threshold: float")
    .Output("d_currents: float")
    .Output("d_u0: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->UnknownShape());
      return OkStatus();
    });

// Neurons [begin, end), steps T−1 … 0; G0 carries ∂L/∂(membrane into step t) from the steps after t
// (see lib/snn/lif.ts `Lif.backward` for the equations).
template <int ORDER, int RESET, int KIND>
void LifBackwardRange(const float* __restrict__ DY, const float* __restrict__ V, float* __restrict__ DI, float* __restrict__ G0,
                      int T, int64_t n, float lam, float theta, float pot, float param, int64_t begin, int64_t end) {
  for (int t = T - 1; t >= 0; t--) {
    const bool has_g = t < T - 1;
    const int64_t off = static_cast<int64_t>(t) * n;
    for (int64_t i = begin; i < end; i++) {
      const int64_t k = off + i;
      const float G = DY[k] * SurrogateGrad(V[k], theta, KIND, pot, param);
      const float g = has_g ? G0[i] : 0.f;
      if (ORDER == kIntegrateThenFire) {
        const float dv = has_g ? G + g : G;
        DI[k] = dv;
        float next = dv * lam;
        if (RESET == kResetZero && t > 0) next = next * (1.f - (V[k - n] > theta ? 1.f : 0.f));
        G0[i] = next;
      } else {
        DI[k] = g;
        float kept = g;
        if (RESET == kResetZero) kept = kept * (1.f - (V[k] > theta ? 1.f : 0.f));
        G0[i] = has_g ? G + kept * lam : G;
      }
    }
  }
}

class LifBackwardOp : public OpKernel {
 public:
  explicit LifBackwardOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("timesteps", &T_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("leak", &leak_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("threshold", &theta_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("reset", &reset_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("order", &order_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("surrogate", &surrogate_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("surrogate_param", &param_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("surrogate_param_over_threshold", &param_over_theta_));
    OP_REQUIRES(ctx, T_ >= 1, errors::InvalidArgument("timesteps must be >= 1"));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    const Tensor& mem = ctx->input(1);
    OP_REQUIRES(ctx, dy.NumElements() == mem.NumElements() && dy.NumElements() % T_ == 0,
                errors::InvalidArgument("SpikelensLifBackward: dy and membranes must have the same T x n elements"));
    const int64_t n = dy.NumElements() / T_;
    TensorShape step_shape = dy.shape();
    step_shape.set_dim(0, dy.dim_size(0) / T_);
    Tensor *dI = nullptr, *du0 = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, dy.shape(), &dI));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, step_shape, &du0));
    const float* DY = dy.flat<float>().data();
    const float* V = mem.flat<float>().data();
    float* DI = dI->flat<float>().data();
    float* G0 = du0->flat<float>().data();
    const int T = T_;
    const float lam = leak_, theta = theta_, param = param_, pot = param_over_theta_;
    const int variant = (order_ * 3 + reset_) * 2 + surrogate_;
    ParallelRange(ctx, n, 12 * T, [&](int64_t begin, int64_t end) {
#define SPIKELENS_LIF_BWD(O, R, K) LifBackwardRange<O, R, K>(DY, V, DI, G0, T, n, lam, theta, pot, param, begin, end)
      switch (variant) {
        case 0: SPIKELENS_LIF_BWD(kIntegrateThenFire, kResetSubtract, kPiecewiseLinear); break;
        case 1: SPIKELENS_LIF_BWD(kIntegrateThenFire, kResetSubtract, kFastSigmoid); break;
        case 2: SPIKELENS_LIF_BWD(kIntegrateThenFire, kResetZero, kPiecewiseLinear); break;
        case 3: SPIKELENS_LIF_BWD(kIntegrateThenFire, kResetZero, kFastSigmoid); break;
        case 4: SPIKELENS_LIF_BWD(kIntegrateThenFire, kResetNone, kPiecewiseLinear); break;
        case 5: SPIKELENS_LIF_BWD(kIntegrateThenFire, kResetNone, kFastSigmoid); break;
        case 6: SPIKELENS_LIF_BWD(kFireThenIntegrate, kResetSubtract, kPiecewiseLinear); break;
        case 7: SPIKELENS_LIF_BWD(kFireThenIntegrate, kResetSubtract, kFastSigmoid); break;
        case 8: SPIKELENS_LIF_BWD(kFireThenIntegrate, kResetZero, kPiecewiseLinear); break;
        case 9: SPIKELENS_LIF_BWD(kFireThenIntegrate, kResetZero, kFastSigmoid); break;
        case 10: SPIKELENS_LIF_BWD(kFireThenIntegrate, kResetNone, kPiecewiseLinear); break;
        default: SPIKELENS_LIF_BWD(kFireThenIntegrate, kResetNone, kFastSigmoid); break;
      }
#undef SPIKELENS_LIF_BWD
    });
  }

 private:
  int T_, reset_, order_, surrogate_;
  float leak_, theta_, param_, param_over_theta_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensLifBackward").Device(DEVICE_CPU), LifBackwardOp);

// ---------------------------------------------------------------------------------------------
// BNTT in training mode: x [T·N, C] (any shape whose last dim is C, time-major), gamma [T, C] →
// y = γ_t·(x − μ_t)/√(σ²_t + ε), and the batch mean and biased variance [T, C]. Statistics per
// step and channel over the N rows of that step, summed in double over fixed blocks of rows (the
// result does not depend on the thread count).
namespace {
constexpr int64_t kRowsPerBlock = 2048;

// Per (t, block) partial sums of f(row, c) into `out` [T·blocks, C], then totals [T, C].
template <typename F>
void BlockSums(OpKernelContext* ctx, int T, int64_t N, int64_t C, int64_t width, F f, std::vector<double>* totals) {
  const int64_t blocks = (N + kRowsPerBlock - 1) / kRowsPerBlock;
  std::vector<double> partial(static_cast<size_t>(T * blocks * C * width), 0.0);
  ParallelRange(ctx, T * blocks, kRowsPerBlock * C * 4, [&](int64_t begin, int64_t end) {
    for (int64_t tb = begin; tb < end; tb++) {
      const int64_t t = tb / blocks, b = tb % blocks;
      double* acc = &partial[static_cast<size_t>(tb * C * width)];
      const int64_t r1 = std::min(N, (b + 1) * kRowsPerBlock);
      for (int64_t r = b * kRowsPerBlock; r < r1; r++) f(t, (t * N + r) * C, acc);
    }
  });
  totals->assign(static_cast<size_t>(T * C * width), 0.0);
  for (int64_t t = 0; t < T; t++)
    for (int64_t b = 0; b < blocks; b++)
      for (int64_t j = 0; j < C * width; j++) (*totals)[t * C * width + j] += partial[(t * blocks + b) * C * width + j];
}
}  // namespace

REGISTER_OP("SpikelensBnttForward")
    .Input("x: float")
    .Input("gamma: float")
    .Attr("timesteps: int")
    .Attr("epsilon: float")
    .Output("y: float")
    .Output("mean: float")
    .Output("variance: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->input(1));
      c->set_output(2, c->input(1));
      return OkStatus();
    });

class BnttForwardOp : public OpKernel {
 public:
  explicit BnttForwardOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("timesteps", &T_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("epsilon", &eps_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& gamma = ctx->input(1);
    const int T = T_;
    const int64_t C = gamma.dim_size(gamma.dims() - 1);
    OP_REQUIRES(ctx, gamma.NumElements() == T * C && x.dims() >= 2 && x.dim_size(x.dims() - 1) == C && x.NumElements() % (T * C) == 0,
                errors::InvalidArgument("SpikelensBnttForward: expected x [T·N, …, C] and gamma [T, C]"));
    const int64_t N = x.NumElements() / (T * C);
    Tensor *y = nullptr, *mean = nullptr, *var = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, gamma.shape(), &mean));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, gamma.shape(), &var));
    const float* X = x.flat<float>().data();
    const float* G = gamma.flat<float>().data();
    float* Y = y->flat<float>().data();
    float* M = mean->flat<float>().data();
    float* S2 = var->flat<float>().data();
    std::vector<double> sums;
    BlockSums(ctx, T, N, C, 2, [&](int64_t, int64_t base, double* acc) {
      for (int64_t c = 0; c < C; c++) {
        const double v = X[base + c];
        acc[2 * c] += v;
        acc[2 * c + 1] += v * v;
      }
    }, &sums);
    std::vector<float> shift(T * C), scale(T * C);
    for (int64_t j = 0; j < T * C; j++) {
      const double mu = sums[2 * j] / N;
      const double v = std::max(0.0, sums[2 * j + 1] / N - mu * mu);
      M[j] = static_cast<float>(mu);
      S2[j] = static_cast<float>(v);
      const float inv = static_cast<float>(1.0 / std::sqrt(v + static_cast<double>(eps_)));
      shift[j] = M[j];
      scale[j] = inv;
    }
    ParallelRange(ctx, T * N, C * 3, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; row++) {
        const int64_t t = row / N, base = row * C, tc = t * C;
        for (int64_t c = 0; c < C; c++) Y[base + c] = ((X[base + c] - shift[tc + c]) * scale[tc + c]) * G[tc + c];
      }
    });
  }

 private:
  int T_;
  float eps_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensBnttForward").Device(DEVICE_CPU), BnttForwardOp);

// Backward of SpikelensBnttForward (the textbook batch-norm gradient, as lib/snn/bntt.ts writes it):
//   x̂ = (x − μ)/√(σ² + ε),  ∂L/∂γ = Σ_N dy·x̂,
//   ∂L/∂x = γ/√(σ² + ε) · (dy − mean_N(dy) − x̂·mean_N(dy·x̂))
REGISTER_OP("SpikelensBnttBackward")
    .Input("dy: float")
    .Input("x: float")
    .Input("gamma: float")
    .Input("mean: float")
    .Input("variance: float")
    .Attr("timesteps: int")
    .Attr("epsilon: float")
    .Output("dx: float")
    .Output("dgamma: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(1));
      c->set_output(1, c->input(2));
      return OkStatus();
    });

class BnttBackwardOp : public OpKernel {
 public:
  explicit BnttBackwardOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("timesteps", &T_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("epsilon", &eps_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    const Tensor& x = ctx->input(1);
    const Tensor& gamma = ctx->input(2);
    const Tensor& mean = ctx->input(3);
    const Tensor& var = ctx->input(4);
    const int T = T_;
    const int64_t C = gamma.dim_size(gamma.dims() - 1);
    OP_REQUIRES(ctx, dy.NumElements() == x.NumElements() && gamma.NumElements() == T * C && mean.NumElements() == T * C && var.NumElements() == T * C && x.NumElements() % (T * C) == 0,
                errors::InvalidArgument("SpikelensBnttBackward: shapes do not match"));
    const int64_t N = x.NumElements() / (T * C);
    Tensor *dx = nullptr, *dgamma = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &dx));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, gamma.shape(), &dgamma));
    const float* DY = dy.flat<float>().data();
    const float* X = x.flat<float>().data();
    const float* G = gamma.flat<float>().data();
    const float* M = mean.flat<float>().data();
    const float* V = var.flat<float>().data();
    float* DX = dx->flat<float>().data();
    float* DG = dgamma->flat<float>().data();
    std::vector<float> inv(T * C);
    for (int64_t j = 0; j < T * C; j++) inv[j] = static_cast<float>(1.0 / std::sqrt(static_cast<double>(V[j]) + static_cast<double>(eps_)));
    std::vector<double> sums;
    BlockSums(ctx, T, N, C, 2, [&](int64_t t, int64_t base, double* acc) {
      const int64_t tc = t * C;
      for (int64_t c = 0; c < C; c++) {
        const float xhat = (X[base + c] - M[tc + c]) * inv[tc + c];
        acc[2 * c] += DY[base + c];
        acc[2 * c + 1] += static_cast<double>(DY[base + c]) * xhat;
      }
    }, &sums);
    std::vector<float> mdy(T * C), mdyx(T * C), sc(T * C);
    for (int64_t j = 0; j < T * C; j++) {
      DG[j] = static_cast<float>(sums[2 * j + 1]);
      mdy[j] = static_cast<float>(sums[2 * j] / N);
      mdyx[j] = static_cast<float>(sums[2 * j + 1] / N);
      sc[j] = G[j] * inv[j];
    }
    ParallelRange(ctx, T * N, C * 4, [&](int64_t begin, int64_t end) {
      for (int64_t row = begin; row < end; row++) {
        const int64_t t = row / N, base = row * C, tc = t * C;
        for (int64_t c = 0; c < C; c++) {
          const float xhat = (X[base + c] - M[tc + c]) * inv[tc + c];
          DX[base + c] = ((DY[base + c] - mdy[tc + c]) - xhat * mdyx[tc + c]) * sc[tc + c];
        }
      }
    });
  }

 private:
  int T_;
  float eps_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensBnttBackward").Device(DEVICE_CPU), BnttBackwardOp);

// ---------------------------------------------------------------------------------------------
// Poisson encoder: k spike frames at once. prob [n] = P(spike) per pixel-channel, sign [n] = the
// spike's sign (read only when `signed`), states [k, 4] int32 = the sfc32 state (a, b, c, d) of
// step j's generator as lib/random.ts's Rng holds it after construction. Step j draws n uniforms
// u_i = float32(x / 2^32) from its generator in order (Rng.fillUniform into a Float32Array) and
// emits float32(u_i < prob_i) · sign_i (signed) or float32(u_i < prob_i) (rate): the frames
// lib/data/encode.ts builds with tfjs ops, bit for bit. Output [k, n]; steps run in parallel.
REGISTER_OP("SpikelensPoisson")
    .Input("prob: float")
    .Input("sign: float")
    .Input("states: int32")
    .Attr("signed: bool")
    .Attr("lanes: int = 4")
    .Output("spikes: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->UnknownShapeOfRank(2));
      return OkStatus();
    });

// Steps whose generators one thread runs side by side in SpikelensPoisson.
constexpr int kPoissonLanes = 4;

// L steps' frames (rows y, y + n, …) from their sfc32 states st[4·l …], each generator exactly as
// Rng.nextUint32 (lib/random.ts) in uint32 arithmetic, u = float32(x / 2^32) as Rng.next() stored
// into a Float32Array.
template <int L>
inline void PoissonRows(const int32_t* st, const float* p, const float* sg, int64_t n, float* y) {
  uint32_t a[L], b[L], c[L], d[L];
  for (int l = 0; l < L; l++) {
    a[l] = static_cast<uint32_t>(st[4 * l]);
    b[l] = static_cast<uint32_t>(st[4 * l + 1]);
    c[l] = static_cast<uint32_t>(st[4 * l + 2]);
    d[l] = static_cast<uint32_t>(st[4 * l + 3]);
  }
  for (int64_t i = 0; i < n; i++) {
    const float pi = p[i];
    for (int l = 0; l < L; l++) {
      const uint32_t t = a[l] + b[l] + d[l];
      d[l] = d[l] + 1;
      a[l] = b[l] ^ (b[l] >> 9);
      b[l] = c[l] + (c[l] << 3);
      c[l] = (c[l] << 21) | (c[l] >> 11);
      c[l] = c[l] + t;
      const float u = static_cast<float>(static_cast<double>(t) / 4294967296.0);
      const float fire = u < pi ? 1.f : 0.f;
      y[l * n + i] = sg ? fire * sg[i] : fire;
    }
  }
}

class PoissonOp : public OpKernel {
 public:
  explicit PoissonOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("signed", &signed_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("lanes", &lanes_));
    OP_REQUIRES(ctx, lanes_ == 1 || lanes_ == kPoissonLanes,
                errors::InvalidArgument("SpikelensPoisson: lanes must be 1 or ", kPoissonLanes, ", got ", lanes_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& prob = ctx->input(0);
    const Tensor& sign = ctx->input(1);
    const Tensor& states = ctx->input(2);
    const int64_t n = prob.NumElements();
    OP_REQUIRES(ctx, !signed_ || sign.NumElements() == n,
                errors::InvalidArgument("SpikelensPoisson: sign has ", sign.NumElements(), " elements, prob ", n));
    OP_REQUIRES(ctx, states.dims() == 2 && states.dim_size(1) == 4,
                errors::InvalidArgument("SpikelensPoisson: states must be [k, 4], got ", states.shape().DebugString()));
    const int64_t k = states.dim_size(0);
    Tensor* out = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({k, n}), &out));
    const float* p = prob.flat<float>().data();
    const float* sg = signed_ ? sign.flat<float>().data() : nullptr;
    const int32_t* st = states.flat<int32>().data();
    float* y = out->flat<float>().data();
    // Each generator is a serial chain (one sfc32 update per element), so a thread runs
    // kPoissonLanes steps' generators side by side: independent chains the CPU overlaps, each
    // still drawing its own stream in order (the same bits as one step at a time, lanes = 1, which
    // bench/kernels.ts compares it with).
    const int64_t width = lanes_;
    const int64_t groups = (k + width - 1) / width;
    ParallelRange(ctx, groups, 6 * width * n, [&](int64_t begin, int64_t end) {
      for (int64_t g = begin; g < end; g++) {
        const int64_t j0 = g * width;
        const int lanes = static_cast<int>(std::min<int64_t>(width, k - j0));
        if (lanes == kPoissonLanes) {
          PoissonRows<kPoissonLanes>(st + 4 * j0, p, sg, n, y + j0 * n);
        } else {
          for (int l = 0; l < lanes; l++) PoissonRows<1>(st + 4 * (j0 + l), p, sg, n, y + (j0 + l) * n);
        }
      }
    });
  }

 private:
  bool signed_;
  int lanes_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensPoisson").Device(DEVICE_CPU), PoissonOp);

// ---------------------------------------------------------------------------------------------
// Replicate padding by one pixel in H and W (lib/model/vgg.ts): x [B, H, W, C] → [B, H+2, W+2, C],
// the border repeating the edge row and column. A copy, so equal to TensorFlow's MirrorPad
// (SYMMETRIC, pad 1) bit for bit; row by row with memcpy instead of MirrorPad's per-element
// index arithmetic, which took a sixth of a converted network's simulation.
REGISTER_OP("SpikelensReplicatePad")
    .Input("x: float")
    .Output("y: float")
    .SetShapeFn(Rank4Output);

class ReplicatePadOp : public OpKernel {
 public:
  explicit ReplicatePadOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    OP_REQUIRES(ctx, x.dims() == 4 && x.dim_size(1) >= 1 && x.dim_size(2) >= 1,
                errors::InvalidArgument("SpikelensReplicatePad: x must be [B, H, W, C] with H, W >= 1, got ", x.shape().DebugString()));
    const int64_t B = x.dim_size(0), H = x.dim_size(1), W = x.dim_size(2), C = x.dim_size(3);
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({B, H + 2, W + 2, C}), &y));
    const float* in = x.flat<float>().data();
    float* out = y->flat<float>().data();
    const int64_t W2 = W + 2;
    ParallelRange(ctx, B * (H + 2), 2 * W2 * C, [&](int64_t begin, int64_t end) {
      for (int64_t br = begin; br < end; br++) {
        const int64_t b = br / (H + 2), r = br % (H + 2);
        const int64_t src = r == 0 ? 0 : (r == H + 1 ? H - 1 : r - 1);
        const float* row = in + (b * H + src) * W * C;
        float* o = out + br * W2 * C;
        std::memcpy(o, row, C * sizeof(float));
        std::memcpy(o + C, row, W * C * sizeof(float));
        std::memcpy(o + (W + 1) * C, row + (W - 1) * C, C * sizeof(float));
      }
    });
  }
};
REGISTER_KERNEL_BUILDER(Name("SpikelensReplicatePad").Device(DEVICE_CPU), ReplicatePadOp);

// ---------------------------------------------------------------------------------------------
// Gradient of replicate padding by one pixel in H and W (lib/model/vgg.ts): dy [B, H+2, W+2, C] →
// dx [B, H, W, C], each input pixel receiving what it and its padded copies got. Summed in the
// order tfjs's gradients of vgg.ts's slice-and-concat padding accumulate them (columns first:
// (middle + right copy) + left copy; then rows the same way), so the result is bit-identical.
REGISTER_OP("SpikelensReplicatePadGrad")
    .Input("dy: float")
    .Output("dx: float")
    .SetShapeFn(Rank4Output);

class ReplicatePadGradOp : public OpKernel {
 public:
  explicit ReplicatePadGradOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    OP_REQUIRES(ctx, dy.dims() == 4 && dy.dim_size(1) >= 3 && dy.dim_size(2) >= 3,
                errors::InvalidArgument("SpikelensReplicatePadGrad: dy must be [B, H+2, W+2, C] with H, W >= 1, got ", dy.shape().DebugString()));
    const int64_t B = dy.dim_size(0), H = dy.dim_size(1) - 2, W = dy.dim_size(2) - 2, C = dy.dim_size(3);
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({B, H, W, C}), &dx));
    const float* g = dy.flat<float>().data();
    float* out = dx->flat<float>().data();
    const int64_t W2 = W + 2;
    // Column-collapsed value of padded row r at input column j: (middle + right copy) + left copy.
    auto col = [&](const float* img, int64_t r, int64_t j, int64_t ch) {
      const float* row = img + r * W2 * C;
      float v = row[(j + 1) * C + ch];
      if (j == W - 1) v = v + row[(W + 1) * C + ch];
      if (j == 0) v = v + row[ch];
      return v;
    };
    ParallelRange(ctx, B * H, 10 * W * C, [&](int64_t begin, int64_t end) {
      for (int64_t bi = begin; bi < end; bi++) {
        const int64_t b = bi / H, i = bi % H;
        const float* img = g + b * (H + 2) * W2 * C;
        float* o = out + (b * H + i) * W * C;
        for (int64_t j = 0; j < W; j++) {
          for (int64_t ch = 0; ch < C; ch++) {
            float v = col(img, i + 1, j, ch);
            if (i == H - 1) v = v + col(img, H + 1, j, ch);
            if (i == 0) v = v + col(img, 0, j, ch);
            o[j * C + ch] = v;
          }
        }
      }
    });
  }
};
REGISTER_KERNEL_BUILDER(Name("SpikelensReplicatePadGrad").Device(DEVICE_CPU), ReplicatePadGradOp);

// ---------------------------------------------------------------------------------------------
// Gradient of 2×2 average pooling, stride 2, 'valid' (lib/model/vgg.ts): dy [B, OH, OW, C] → dx
// [B, height, width, C], dx = 0 + dy·(1/4) at the four pixels of each window and 0 at a trailing
// row or column no window covers: TensorFlow's AvgPoolGrad arithmetic (a zeroed buffer, then
// += dy · divide_coeff, one term per pixel because the windows do not overlap), bit-identical, in
// one pass instead of TensorFlow's zero fill and per-window loop (7 % of a training step).
REGISTER_OP("SpikelensAvgPool2Grad")
    .Input("dy: float")
    .Attr("height: int")
    .Attr("width: int")
    .Output("dx: float")
    .SetShapeFn(Rank4Output);

class AvgPool2GradOp : public OpKernel {
 public:
  explicit AvgPool2GradOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("height", &H_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("width", &W_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    OP_REQUIRES(ctx, dy.dims() == 4 && dy.dim_size(1) == H_ / 2 && dy.dim_size(2) == W_ / 2,
                errors::InvalidArgument("SpikelensAvgPool2Grad: dy must be [B, ", H_ / 2, ", ", W_ / 2, ", C] for a ", H_, "x", W_,
                                        " input, got ", dy.shape().DebugString()));
    const int64_t B = dy.dim_size(0), OH = dy.dim_size(1), OW = dy.dim_size(2), C = dy.dim_size(3);
    const int64_t H = H_, W = W_;
    Tensor* dx = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({B, H, W, C}), &dx));
    const float* g = dy.flat<float>().data();
    float* out = dx->flat<float>().data();
    const float coeff = static_cast<float>(1.0 / 4);
    ParallelRange(ctx, B * H, 2 * W * C, [&](int64_t begin, int64_t end) {
      for (int64_t bi = begin; bi < end; bi++) {
        const int64_t b = bi / H, i = bi % H;
        float* o = out + bi * W * C;
        if (i / 2 >= OH) {
          std::fill(o, o + W * C, 0.f);
          continue;
        }
        const float* row = g + (b * OH + i / 2) * OW * C;
        for (int64_t j = 0; j < 2 * OW; j++) {
          const float* src = row + (j / 2) * C;
          float* dst = o + j * C;
          for (int64_t ch = 0; ch < C; ch++) dst[ch] = 0.f + src[ch] * coeff;
        }
        std::fill(o + 2 * OW * C, o + W * C, 0.f);
      }
    });
  }

 private:
  int H_, W_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensAvgPool2Grad").Device(DEVICE_CPU), AvgPool2GradOp);

// ---------------------------------------------------------------------------------------------
// Per-channel constants on a time-major tensor, one pass instead of TensorFlow's broadcasting
// Add, Mul and Sub (about twice as slow as a same-shape op on these shapes). Both do the float32
// operations tfjs does, in its order, so the results are bit-identical:
//   SpikelensBiasAdd   x [.., C], bias [C]            → x + bias        (a converted net's folded
//                      batch-norm biases, lib/snn/network.ts)
//   SpikelensStepAffine x [T·P, C] time-major, a, b [T, C] → x·a_t − b_t  (BNTT in evaluation mode,
//                      lib/snn/bntt.ts: a = γ/√(σ²+ε), b = a·μ)
REGISTER_OP("SpikelensBiasAdd")
    .Input("x: float")
    .Input("bias: float")
    .Output("y: float")
    .SetShapeFn(SameAsInput0);

class BiasAddOp : public OpKernel {
 public:
  explicit BiasAddOp(OpKernelConstruction* ctx) : OpKernel(ctx) {}

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& bias = ctx->input(1);
    const int64_t C = bias.NumElements();
    OP_REQUIRES(ctx, bias.dims() == 1 && x.dims() >= 1 && x.dim_size(x.dims() - 1) == C,
                errors::InvalidArgument("SpikelensBiasAdd: expected x [.., C] and bias [C], got ", x.shape().DebugString(), " and ", bias.shape().DebugString()));
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    const float* X = x.flat<float>().data();
    const float* B = bias.flat<float>().data();
    float* Y = y->flat<float>().data();
    const int64_t rows = C == 0 ? 0 : x.NumElements() / C;
    ParallelRange(ctx, rows, 2 * C, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; r++) {
        const float* xr = X + r * C;
        float* yr = Y + r * C;
        for (int64_t c = 0; c < C; c++) yr[c] = xr[c] + B[c];
      }
    });
  }
};
REGISTER_KERNEL_BUILDER(Name("SpikelensBiasAdd").Device(DEVICE_CPU), BiasAddOp);

REGISTER_OP("SpikelensStepAffine")
    .Input("x: float")
    .Input("a: float")
    .Input("b: float")
    .Attr("timesteps: int")
    .Output("y: float")
    .SetShapeFn(SameAsInput0);

class StepAffineOp : public OpKernel {
 public:
  explicit StepAffineOp(OpKernelConstruction* ctx) : OpKernel(ctx) { OP_REQUIRES_OK(ctx, ctx->GetAttr("timesteps", &T_)); }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& x = ctx->input(0);
    const Tensor& a = ctx->input(1);
    const Tensor& b = ctx->input(2);
    const int64_t T = T_;
    const int64_t C = x.dims() >= 1 ? x.dim_size(x.dims() - 1) : 0;
    OP_REQUIRES(ctx, T >= 1 && C >= 1 && a.NumElements() == T * C && b.NumElements() == T * C && x.NumElements() % (T * C) == 0,
                errors::InvalidArgument("SpikelensStepAffine: expected x [T·P, .., C] and a, b [T, C] with T = ", T, ", got ",
                                        x.shape().DebugString(), ", ", a.shape().DebugString(), ", ", b.shape().DebugString()));
    Tensor* y = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, x.shape(), &y));
    const float* X = x.flat<float>().data();
    const float* A = a.flat<float>().data();
    const float* Bv = b.flat<float>().data();
    float* Y = y->flat<float>().data();
    const int64_t P = x.NumElements() / (T * C);
    ParallelRange(ctx, T * P, 3 * C, [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; r++) {
        const int64_t tc = (r / P) * C;
        const float* xr = X + r * C;
        float* yr = Y + r * C;
        for (int64_t c = 0; c < C; c++) {
          const float prod = xr[c] * A[tc + c];
          yr[c] = prod - Bv[tc + c];
        }
      }
    });
  }

 private:
  int T_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensStepAffine").Device(DEVICE_CPU), StepAffineOp);

// ---------------------------------------------------------------------------------------------
// SAM (paper variant, lib/explain/sam.ts) over k steps of one layer: spikes [k·B, H, W, C]
// time-major, n0 [B, H, W, C] = the NCS entering the first step (zeros at t = 0) →
// maps [k·B, H, W] with M_t = Σ_c N_t S_t, and the NCS after the last step, N_{t+1} =
// decay·(N_t + S_t) (float32, in that order, as the tfjs ops). The channel sum runs in order
// c = 0..C−1; tfjs's reduction may group it differently, so maps agree to float rounding.
REGISTER_OP("SpikelensSamSteps")
    .Input("spikes: float")
    .Input("n0: float")
    .Attr("steps: int")
    .Attr("decay: float")
    .Output("maps: float")
    .Output("n: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->UnknownShapeOfRank(3));
      c->set_output(1, c->input(1));
      return OkStatus();
    });

class SamStepsOp : public OpKernel {
 public:
  explicit SamStepsOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("steps", &k_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("decay", &decay_));
    OP_REQUIRES(ctx, k_ >= 1, errors::InvalidArgument("steps must be >= 1"));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& spikes = ctx->input(0);
    const Tensor& n0 = ctx->input(1);
    OP_REQUIRES(ctx, n0.dims() == 4, errors::InvalidArgument("SpikelensSamSteps: n0 must be [B, H, W, C], got ", n0.shape().DebugString()));
    const int64_t B = n0.dim_size(0), H = n0.dim_size(1), W = n0.dim_size(2), C = n0.dim_size(3);
    const int64_t cells = B * H * W;
    OP_REQUIRES(ctx, spikes.NumElements() == k_ * cells * C,
                errors::InvalidArgument("SpikelensSamSteps: spikes have ", spikes.NumElements(), " elements, expected ", k_, " x ", n0.NumElements()));
    Tensor *maps = nullptr, *n = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, TensorShape({k_ * B, H, W}), &maps));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, n0.shape(), &n));
    const float* s = spikes.flat<float>().data();
    const float* a0 = n0.flat<float>().data();
    float* m = maps->flat<float>().data();
    float* a = n->flat<float>().data();
    const int k = k_;
    const float decay = decay_;
    // Each neuron's recursion is independent: split the cells, run all k steps for each.
    ParallelRange(ctx, cells, 4 * k * C, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) {
        float* ai = a + i * C;
        for (int64_t c = 0; c < C; c++) ai[c] = a0[i * C + c];
        for (int t = 0; t < k; t++) {
          const float* st = s + (t * cells + i) * C;
          float sum = 0.f;
          for (int64_t c = 0; c < C; c++) {
            sum += ai[c] * st[c];
            ai[c] = (ai[c] + st[c]) * decay;
          }
          m[t * cells + i] = sum;
        }
      }
    });
  }

 private:
  int k_;
  float decay_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensSamSteps").Device(DEVICE_CPU), SamStepsOp);

// ---------------------------------------------------------------------------------------------
// Adaptive-threshold LIF (lib/snn/alif.ts, integrate-then-fire), forward over T steps:
// currents [T·B, …] time-major, state0 [2·B, …] (membranes u, then traces a) → spikes [T·B, …],
// the values the spikes were read from, x_t = v_t − β·a_t (when `save`; else empty), and the
// final state [2·B, …]. Per step, as the tfjs ops in order: v = u·λ + I; x = v − a·β;
// s = x > θ; u = v − s·(a·β + θ) ('subtract'), v − s·v ('zero') or v; a = a·ρ + s·(1 − ρ).
REGISTER_OP("SpikelensAlifForward")
    .Input("currents: float")
    .Input("state0: float")
    .Attr("timesteps: int")
    .Attr("leak: float")
    .Attr("threshold: float")
    .Attr("adaptation: float")
    .Attr("decay: float")
    .Attr("one_minus_decay: float")
    .Attr("reset: int")
    .Attr("save: bool")
    .Output("spikes: float")
    .Output("saved: float")
    .Output("final: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->UnknownShape());
      c->set_output(2, c->input(1));
      return OkStatus();
    });

class AlifForwardOp : public OpKernel {
 public:
  explicit AlifForwardOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("timesteps", &T_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("leak", &leak_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("threshold", &theta_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("adaptation", &beta_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("decay", &rho_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("one_minus_decay", &one_minus_rho_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("reset", &reset_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("save", &save_));
    OP_REQUIRES(ctx, T_ >= 1, errors::InvalidArgument("timesteps must be >= 1"));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& currents = ctx->input(0);
    const Tensor& state0 = ctx->input(1);
    OP_REQUIRES(ctx, state0.NumElements() % 2 == 0, errors::InvalidArgument("SpikelensAlifForward: state0 must hold u and a"));
    const int64_t n = state0.NumElements() / 2;
    OP_REQUIRES(ctx, currents.NumElements() == n * T_,
                errors::InvalidArgument("SpikelensAlifForward: currents have ", currents.NumElements(), " elements, expected ", T_, " x ", n));
    Tensor *spikes = nullptr, *saved = nullptr, *final = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, currents.shape(), &spikes));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, save_ ? currents.shape() : TensorShape({0}), &saved));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, state0.shape(), &final));
    const float* I = currents.flat<float>().data();
    const float* s0 = state0.flat<float>().data();
    float* S = spikes->flat<float>().data();
    float* X = save_ ? saved->flat<float>().data() : nullptr;
    float* F = final->flat<float>().data();
    const int T = T_, reset = reset_;
    const float lam = leak_, theta = theta_, beta = beta_, rho = rho_, omr = one_minus_rho_;
    // Time outer, neurons inner (as the LIF kernel): each step streams through memory; the state
    // lives in the output F (u in [0, n), a in [n, 2n)).
    ParallelRange(ctx, n, 12 * T, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) { F[i] = s0[i]; F[n + i] = s0[n + i]; }
      for (int t = 0; t < T; t++) {
        const int64_t off = static_cast<int64_t>(t) * n;
        for (int64_t i = begin; i < end; i++) {
          const int64_t k = off + i;
          const float u = F[i], a = F[n + i];
          const float v = u * lam + I[k];
          const float ba = a * beta;
          const float x = v - ba;
          const float s = static_cast<float>(x > theta);
          S[k] = s;
          if (X) X[k] = x;
          const float th = ba + theta;
          F[i] = reset == kResetSubtract ? v - s * th : reset == kResetZero ? v - s * v : v;
          F[n + i] = a * rho + s * omr;
        }
      }
    });
  }

 private:
  int T_, reset_;
  float leak_, theta_, beta_, rho_, one_minus_rho_;
  bool save_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensAlifForward").Device(DEVICE_CPU), AlifForwardOp);

// ALIF backward (BPTT; the reset carries no gradient, as in lib/snn/alif.ts): dy = ∂L/∂spikes and
// the saved x_t → ∂L/∂currents [T·B, …] and ∂L/∂state0 [2·B, …]. With g_t = (dy_t + (1 − ρ)·A_{t+1})·σ'(x_t):
//   V_t = g_t + λ·V_{t+1},  A_t = −β·g_t + ρ·A_{t+1},  ∂L/∂I_t = V_t,  ∂L/∂u0 = λ·V_0,  ∂L/∂a0 = A_0.
REGISTER_OP("SpikelensAlifBackward")
    .Input("dy: float")
    .Input("saved: float")
    .Attr("timesteps: int")
    .Attr("leak: float")
    .Attr("threshold: float")
    .Attr("adaptation: float")
    .Attr("decay: float")
    .Attr("one_minus_decay: float")
    .Attr("surrogate: int")
    .Attr("surrogate_param: float")
    .Attr("surrogate_param_over_threshold: float")
    .Output("d_currents: float")
    .Output("d_state0: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->UnknownShape());
      return OkStatus();
    });

class AlifBackwardOp : public OpKernel {
 public:
  explicit AlifBackwardOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("timesteps", &T_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("leak", &leak_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("threshold", &theta_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("adaptation", &beta_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("decay", &rho_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("one_minus_decay", &one_minus_rho_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("surrogate", &surrogate_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("surrogate_param", &param_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("surrogate_param_over_threshold", &param_over_theta_));
    OP_REQUIRES(ctx, T_ >= 1, errors::InvalidArgument("timesteps must be >= 1"));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& dy = ctx->input(0);
    const Tensor& saved = ctx->input(1);
    OP_REQUIRES(ctx, dy.NumElements() == saved.NumElements() && dy.NumElements() % T_ == 0,
                errors::InvalidArgument("SpikelensAlifBackward: dy and saved must have the same T x n elements"));
    const int64_t n = dy.NumElements() / T_;
    TensorShape state_shape = dy.shape();
    state_shape.set_dim(0, 2 * (dy.dim_size(0) / T_));
    Tensor *dI = nullptr, *ds0 = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, dy.shape(), &dI));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, state_shape, &ds0));
    const float* DY = dy.flat<float>().data();
    const float* X = saved.flat<float>().data();
    float* DI = dI->flat<float>().data();
    float* D0 = ds0->flat<float>().data();
    const int T = T_, kind = surrogate_;
    const float lam = leak_, theta = theta_, beta = beta_, rho = rho_, omr = one_minus_rho_, param = param_, pot = param_over_theta_;
    // Time outer (steps T−1 … 0), neurons inner; V and A live in D0 until the last step.
    ParallelRange(ctx, n, 16 * T, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) { D0[i] = 0.f; D0[n + i] = 0.f; }
      for (int t = T - 1; t >= 0; t--) {
        const int64_t off = static_cast<int64_t>(t) * n;
        for (int64_t i = begin; i < end; i++) {
          const int64_t k = off + i;
          const float A = D0[n + i];
          const float g = (DY[k] + A * omr) * SurrogateGrad(X[k], theta, kind, pot, param);
          const float V = g + D0[i] * lam;
          D0[i] = V;
          D0[n + i] = A * rho - g * beta;
          DI[k] = V;
        }
      }
      for (int64_t i = begin; i < end; i++) D0[i] = D0[i] * lam;
    });
  }

 private:
  int T_, surrogate_;
  float leak_, theta_, beta_, rho_, one_minus_rho_, param_, param_over_theta_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensAlifBackward").Device(DEVICE_CPU), AlifBackwardOp);

// ---- Adam: tfjs's AdamOptimizer.applyGradients for one variable, op by op in float32:
//   m' = m·β1 + g·(1 − β1);  v' = v·β2 + g²·(1 − β2);
//   w' = ((m' / (1 − β1^t)) / (sqrt(v' / (1 − β2^t)) + ε))·(−lr) + w.
// The scalars arrive as float32 attrs computed as tfjs computes them (lib/kernels/native.ts).
REGISTER_OP("SpikelensAdam")
    .Input("value: float")
    .Input("m: float")
    .Input("v: float")
    .Input("grad: float")
    .Output("new_value: float")
    .Output("new_m: float")
    .Output("new_v: float")
    .Attr("beta1: float")
    .Attr("one_minus_beta1: float")
    .Attr("beta2: float")
    .Attr("one_minus_beta2: float")
    .Attr("one_minus_acc_beta1: float")
    .Attr("one_minus_acc_beta2: float")
    .Attr("epsilon: float")
    .Attr("neg_lr: float")
    .SetShapeFn([](shape_inference::InferenceContext* c) {
      c->set_output(0, c->input(0));
      c->set_output(1, c->input(0));
      c->set_output(2, c->input(0));
      return OkStatus();
    });

class AdamOp : public OpKernel {
 public:
  explicit AdamOp(OpKernelConstruction* ctx) : OpKernel(ctx) {
    OP_REQUIRES_OK(ctx, ctx->GetAttr("beta1", &b1_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("one_minus_beta1", &omb1_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("beta2", &b2_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("one_minus_beta2", &omb2_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("one_minus_acc_beta1", &omab1_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("one_minus_acc_beta2", &omab2_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("epsilon", &eps_));
    OP_REQUIRES_OK(ctx, ctx->GetAttr("neg_lr", &neg_lr_));
  }

  void Compute(OpKernelContext* ctx) override {
    const Tensor& w = ctx->input(0);
    for (int i = 1; i < 4; i++) {
      OP_REQUIRES(ctx, ctx->input(i).shape() == w.shape(),
                  errors::InvalidArgument("SpikelensAdam: input ", i, " has shape ", ctx->input(i).shape().DebugString(), ", the variable ", w.shape().DebugString()));
    }
    Tensor *nw = nullptr, *nm = nullptr, *nv = nullptr;
    OP_REQUIRES_OK(ctx, ctx->allocate_output(0, w.shape(), &nw));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(1, w.shape(), &nm));
    OP_REQUIRES_OK(ctx, ctx->allocate_output(2, w.shape(), &nv));
    const float *pw = w.flat<float>().data(), *pm = ctx->input(1).flat<float>().data(), *pv = ctx->input(2).flat<float>().data(), *pg = ctx->input(3).flat<float>().data();
    float *ow = nw->flat<float>().data(), *om = nm->flat<float>().data(), *ov = nv->flat<float>().data();
    const float b1 = b1_, omb1 = omb1_, b2 = b2_, omb2 = omb2_, omab1 = omab1_, omab2 = omab2_, eps = eps_, nlr = neg_lr_;
    ParallelRange(ctx, w.NumElements(), 40, [&](int64_t begin, int64_t end) {
      for (int64_t i = begin; i < end; i++) {
        const float g = pg[i];
        const float m = pm[i] * b1 + g * omb1;
        const float v = pv[i] * b2 + (g * g) * omb2;
        const float mh = m / omab1, vh = v / omab2;
        om[i] = m;
        ov[i] = v;
        ow[i] = (mh / (std::sqrt(vh) + eps)) * nlr + pw[i];
      }
    });
  }

 private:
  float b1_, omb1_, b2_, omb2_, omab1_, omab2_, eps_, neg_lr_;
};
REGISTER_KERNEL_BUILDER(Name("SpikelensAdam").Device(DEVICE_CPU), AdamOp);


// ---------------------------------------------------------------------------------------------
// An empty N-API module: lets Node's process.dlopen load the library (and so register the ops).
#include <node_api.h>
static napi_value Init(napi_env, napi_value exports) { return exports; }
NAPI_MODULE(NODE_GYP_MODULE_NAME, Init)
