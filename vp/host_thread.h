// SPDX-License-Identifier: MIT
// HostThread: a host program on the virtual platform. It runs `body` (the driver's calls
// through a TlmPort) in an SC_THREAD, where the port's quantum keeper can wait, and keeps
// what it returned or threw; the simulation ends when it returns (nothing is left to run).
#pragma once

#include <exception>
#include <functional>
#include <systemc>
#include <utility>

namespace hw::vp {

class HostThread : public sc_core::sc_module {
  public:
    SC_HAS_PROCESS(HostThread);
    HostThread(sc_core::sc_module_name name, std::function<int()> body)
        : sc_core::sc_module(name), body_(std::move(body)) {
        SC_THREAD(run);
    }
    // After sc_start() returns: rethrows what body threw, else returns what it returned.
    int result() const {
        if (error_) std::rethrow_exception(error_);
        return result_;
    }

  private:
    void run() {
        try {
            result_ = body_();
        } catch (...) {
            error_ = std::current_exception();
        }
    }
    std::function<int()> body_;
    int result_ = 0;
    std::exception_ptr error_;
};

}  // namespace hw::vp
