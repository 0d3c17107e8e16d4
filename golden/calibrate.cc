// SPDX-License-Identifier: MIT
#include "calibrate.h"

#include <cmath>
#include <cstring>
#include <sstream>

#include "float_ref.h"
#include "synthetic.h"
#include "tokenizer.h"

namespace hw {
namespace {

// Adds x x^T to m.
void accumulate(InputMoments& m, const float* x, int n) {
    if (m.n == 0) {
        m.n = n;
        m.h.assign(std::size_t(n) * n, 0.0);
    }
    for (int i = 0; i < n; i++) {
        const double xi = x[i];
        double* row = m.h.data() + std::size_t(i) * n;
        for (int j = 0; j < n; j++) row[j] += xi * x[j];
    }
    m.samples++;
}

// Routes each matmul input to its InputMoments.
class MomentCollector : public MatmulObserver {
  public:
    explicit MomentCollector(Calibration& cal) : cal_(cal) {}
    void on_input(const char* tensor, int layer, const float* x, int n) override {
        if (!std::strcmp(tensor, "wq"))
            accumulate(cal_.wq[layer], x, n);
        else if (!std::strcmp(tensor, "wo"))
            accumulate(cal_.wo[layer], x, n);
        else if (!std::strcmp(tensor, "w1"))
            accumulate(cal_.w1[layer], x, n);
        else if (!std::strcmp(tensor, "w2"))
            accumulate(cal_.w2[layer], x, n);
        else if (!std::strcmp(tensor, "classifier"))
            accumulate(cal_.classifier, x, n);
    }

  private:
    Calibration& cal_;
};

// Samples a token from softmax(logits / temperature).
int sample(const std::vector<float>& logits, double temperature, SplitMix64& rng) {
    double mx = logits[0];
    for (float l : logits) mx = std::max(mx, double(l));
    std::vector<double> p(logits.size());
    double sum = 0;
    for (std::size_t i = 0; i < logits.size(); i++)
        sum += p[i] = std::exp((logits[i] - mx) / temperature);
    const double u = static_cast<double>(rng.next() >> 11) * 0x1p-53 * sum;
    double acc = 0;
    for (std::size_t i = 0; i < p.size(); i++) {
        acc += p[i];
        if (u < acc) return static_cast<int>(i);
    }
    return static_cast<int>(p.size()) - 1;
}

}  // namespace

Calibration calibrate(const Model& model, const CalibrationSpec& spec) {
    const Config& c = model.config;
    Calibration cal;
    cal.wq.resize(c.n_layers);
    cal.wo.resize(c.n_layers);
    cal.w1.resize(c.n_layers);
    cal.w2.resize(c.n_layers);
    MomentCollector collector(cal);
    SplitMix64 rng(spec.seed);
    const int tokens = std::min(spec.tokens, c.seq_len);
    for (int s = 0; s < spec.sequences; s++) {
        FloatReference ref(model);
        ref.set_observer(&collector);
        int token = kBosToken;
        for (int pos = 0; pos < tokens; pos++) {
            token = sample(ref.forward(token, pos), spec.temperature, rng);
            if (token == kBosToken) break;  // end of a story: as run.c, stop the sequence
        }
    }
    std::ostringstream d;
    d << "float-model samples: " << spec.sequences << " x " << tokens << " tokens, temperature "
      << spec.temperature << ", seed " << spec.seed << " (" << cal.classifier.samples
      << " vectors)";
    cal.description = d.str();
    return cal;
}

}  // namespace hw
