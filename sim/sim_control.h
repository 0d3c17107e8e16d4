// SPDX-License-Identifier: MIT
// SimControl: the one owner of a Verilated model's context, reset, clock, cycle count,
// timeouts, seeds, FST tracing and coverage data (the Verilator examples' rules: the context
// and model are owned by unique_ptr, inputs change only on the non-sampling edge, final() at
// the end).
#pragma once

#include <verilated.h>
#if VM_TRACE_FST
#include <verilated_fst_c.h>
#endif
#if VM_COVERAGE
#include <unistd.h>
#include <verilated_cov.h>

#include <atomic>
#include <cstdlib>
#include <filesystem>
#endif

#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>

namespace hw {

// Thrown when a wait exceeds its cycle budget.
class SimTimeout : public std::runtime_error {
  public:
    explicit SimTimeout(const std::string& m) : std::runtime_error(m) {}
};

template <typename Top>
class SimControl {
  public:
    // `seed` != 0 randomizes every register's initial value (+verilator+rand+reset+2), so X
    // robustness can be checked across seeds; 0 starts everything at zero.
    explicit SimControl(std::uint64_t seed = 0) : ctx_(std::make_unique<VerilatedContext>()) {
        if (seed != 0) {
            ctx_->randReset(2);
            ctx_->randSeed(static_cast<int>(seed & 0x7fffffff));
        }
#if VM_TRACE_FST
        ctx_->traceEverOn(true);  // before the model exists, so it registers its signals
#endif
        top_ = std::make_unique<Top>(ctx_.get());
    }
    ~SimControl() {
        close_trace();
        top_->final();
        write_coverage();
    }
    SimControl(const SimControl&) = delete;
    SimControl& operator=(const SimControl&) = delete;

    Top& top() { return *top_; }
    VerilatedContext& context() { return *ctx_; }
    // Rising edges since construction.
    std::uint64_t cycle() const { return cycle_; }

    // Evaluates once with the clock low: Verilator sees no edge on the first eval(), so this
    // must come before the first tick() (reset() does it).
    void settle() {
        top_->clk_i = 0;
        top_->eval();
    }

    // Settles, asserts the asynchronous reset for `cycles` clocks and releases it.
    void reset(int cycles = 4) {
        top_->rst_ni = 1;
        settle();
        top_->rst_ni = 0;
        top_->eval();
        for (int k = 0; k < cycles; k++) tick();
        top_->rst_ni = 1;
        top_->eval();
    }

    // One clock: rising edge (sampling), then falling edge, where the caller changes inputs.
    // With a trace open, both edges are dumped (times in ps at a 1 GHz clock).
    // The context's time follows the clock (ps at 1 GHz), so assertion messages show when.
    void tick() {
        ctx_->time(cycle_ * 1000 + 1000);
        top_->clk_i = 1;
        top_->eval();
        dump(cycle_ * 1000 + 1000);
        top_->clk_i = 0;
        top_->eval();
        dump(cycle_ * 1000 + 1500);
        cycle_++;
    }

    // True when the model was verilated with --trace-fst (open_trace works).
    static constexpr bool can_trace() {
#if VM_TRACE_FST
        return true;
#else
        return false;
#endif
    }

    // Starts an FST of every signal from now on; close_trace() ends the window. Throws
    // std::runtime_error naming `path` when the model has no tracing or the file cannot
    // be written.
    void open_trace(const std::string& path) {
#if VM_TRACE_FST
        close_trace();
        trace_ = std::make_unique<VerilatedFstC>();
        top_->trace(trace_.get(), 99);
        trace_->open(path.c_str());
        if (!trace_->isOpen()) {
            trace_.reset();
            throw std::runtime_error(path + ": cannot open the FST for writing");
        }
        dump(cycle_ * 1000 + 500);  // the state before the next edge
#else
        throw std::runtime_error(path + ": this simulator was built without FST tracing "
                                        "(rebuild with tracing on, e.g. hardwire build --trace)");
#endif
    }
    void close_trace() {
#if VM_TRACE_FST
        if (trace_) {
            trace_->close();
            trace_.reset();
        }
#endif
    }

    // Throws SimTimeout naming `what` once more than `budget` cycles passed since `since`.
    void check_timeout(std::uint64_t since, std::uint64_t budget, const std::string& what) const {
        if (cycle_ - since > budget) {
            throw SimTimeout(what + ": no progress within " + std::to_string(budget) +
                             " cycles (cycle " + std::to_string(cycle_) + ")");
        }
    }

  private:
    // In a coverage build (VM_COVERAGE) with $HARDWIRE_COVERAGE_DIR set, writes this run's
    // coverage data there under a name of its own (runs in parallel never share a file).
    void write_coverage() {
#if VM_COVERAGE
        const char* dir = std::getenv("HARDWIRE_COVERAGE_DIR");
        if (!dir || !*dir) return;
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        static std::atomic<int> serial{0};
        const std::string path = std::string(dir) + "/run-" + std::to_string(::getpid()) + "-" +
                                 std::to_string(serial++) + ".dat";
        ctx_->coveragep()->write(path.c_str());
#endif
    }

    void dump([[maybe_unused]] std::uint64_t time_ps) {
#if VM_TRACE_FST
        if (trace_) trace_->dump(time_ps);
#endif
    }

    std::unique_ptr<VerilatedContext> ctx_;
    std::unique_ptr<Top> top_;
#if VM_TRACE_FST
    std::unique_ptr<VerilatedFstC> trace_;
#endif
    std::uint64_t cycle_ = 0;
};

}  // namespace hw
