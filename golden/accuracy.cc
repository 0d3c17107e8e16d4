// SPDX-License-Identifier: MIT
#include "accuracy.h"

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>

#include "error.h"
#include "float_ref.h"
#include "int_model.h"
#include "nonlinear.h"

namespace hw {

std::vector<TraceStep> read_trace(const std::string& path, int vocab_size) {
    std::ifstream in(path);
    if (!in) throw Error(path + ": cannot open trace for reading");
    std::vector<TraceStep> trace;
    int line_no = 0;
    bool marked = false;  // some line says whether it is a prompt position
    for (std::string line; std::getline(in, line);) {
        line_no++;
        if (line.empty()) continue;
        const std::string where = path + ": line " + std::to_string(line_no);
        TraceStep s;
        try {
            const auto j = nlohmann::json::parse(line);
            s.pos = j.at("pos").get<int>();
            s.token = j.at("token").get<int>();
            s.next = j.at("next").get<int>();
            for (const auto& e : j.at("top5"))
                s.top5.emplace_back(e.at(0).get<int>(), e.at(1).get<double>());
            if (j.contains("prompt")) {
                s.prompt = j.at("prompt").get<bool>();
                marked = true;
            }
        } catch (const nlohmann::json::exception& e) {
            throw make_error(where, "trace record",
                             "{\"pos\":int,\"token\":int,\"next\":int,\"top5\":[[id,logit],...]}",
                             e.what());
        }
        if (s.top5.empty()) throw make_error(where, "top5", "at least the largest logit", "[]");
        if (s.pos != static_cast<int>(trace.size())) {
            throw make_error(where, "pos", std::to_string(trace.size()), std::to_string(s.pos));
        }
        for (int t : {s.token, s.next}) {
            if (t < 0 || t >= vocab_size) {
                throw make_error(where, "token id", "0.." + std::to_string(vocab_size - 1),
                                 std::to_string(t));
            }
        }
        if (!trace.empty() && trace.back().next != s.token) {
            throw make_error(where, "token (must be the previous line's next)",
                             std::to_string(trace.back().next), std::to_string(s.token));
        }
        trace.push_back(std::move(s));
    }
    if (trace.empty()) throw make_error(path, "trace", "at least one line", "none");
    if (!marked) {
        int last_forced = -1;
        for (const TraceStep& s : trace)
            if (s.next != s.top1()) last_forced = s.pos;
        for (int p = 0; p <= last_forced; p++) trace[std::size_t(p)].prompt = true;
    }
    return trace;
}

AccuracyReport measure_accuracy(const Model& model, const WeightFormat& format,
                                const std::vector<TraceStep>& trace, const Calibration* cal,
                                const Adapter* adapter) {
    const Config& c = model.config;
    if (static_cast<int>(trace.size()) > c.seq_len) {
        throw make_error("accuracy", "trace length", "at most seq_len=" + std::to_string(c.seq_len),
                         std::to_string(trace.size()));
    }
    const QModel q = quantize_model(model, format, cal);
    const Tables tables = make_tables(c);
    const QAdapter qa = adapter ? quantize_adapter(*adapter) : QAdapter{};
    const Model merged = adapter ? merge_adapter(model, *adapter) : Model{};
    AccuracyReport r;
    r.format = format.name();
    r.rounding = cal ? "gptq (" + cal->description + ")" : "nearest";
    r.positions = static_cast<int>(trace.size());

    // Teacher-forced: integer and float models see the trace's tokens.
    IntModel teacher(q, tables);
    if (adapter) teacher.set_adapter(&qa);
    FloatReference ref(adapter ? merged : model);
    double sq_sum = 0;
    for (const TraceStep& s : trace) {
        const auto& li = teacher.forward(s.token, s.pos);
        const auto& lf = ref.forward(s.token, s.pos);
        if (argmax_int(li) == s.top1()) r.teacher_forced_top1++;
        for (int v = 0; v < c.vocab_size; v++) {
            const double err = std::fabs(li[v] / 65536.0 - double(lf[v]));
            r.logit_max_abs_err = std::max(r.logit_max_abs_err, err);
            sq_sum += err * err;
        }
    }
    r.logit_rms_err = std::sqrt(sq_sum / (double(trace.size()) * c.vocab_size));

    // Free-running greedy from the trace's first token, the prompt's tokens forced.
    IntModel free(q, tables);
    if (adapter) free.set_adapter(&qa);
    int token = trace[0].token;
    for (const TraceStep& s : trace) {
        const int next = argmax_int(free.forward(token, s.pos));
        if (s.prompt) {
            token = s.next;
            continue;
        }
        if (next != s.next) {
            r.first_divergence = s.pos;
            break;
        }
        token = next;
    }
    r.saturations = teacher.saturations() + free.saturations();
    return r;
}

}  // namespace hw
