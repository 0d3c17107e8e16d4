// SPDX-License-Identifier: MIT
// The table units (hw_table_units) as the block tests of their clients see them: each
// request's answer, from the golden table functions (golden/nonlinear.h), on the unit's
// result port the cycle after the request. hw_nonlinear has its own test (test_nonlinear_rtl).
#pragma once

#include <cstdint>
#include <vector>

#include "nonlinear.h"
#include "port_bits.h"

namespace hw::test {

class TableUnitsModel {
  public:
    TableUnitsModel(const Tables& t, int units) : t_(t), res_(units, 0), shift_(units, 0) {}

    // Puts the answers to last cycle's requests on the Verilated block's nl_res_i, nl_shift_i.
    template <typename Top>
    void drive(Top& m) const {
        for (std::size_t u = 0; u < res_.size(); u++) {
            const int at = 64 * int(u);
            set_bits(m.nl_res_i, at, 32, std::uint32_t(res_[u]));
            set_bits(m.nl_res_i, at + 32, 32, std::uint32_t(std::uint64_t(res_[u]) >> 32));
            set_bits(m.nl_shift_i, 7 * int(u), 7, std::uint32_t(shift_[u]));
        }
    }

    // Takes this cycle's requests (nl_valid_o, nl_func_o: hw_pkg::nl_func_e, nl_arg_o).
    template <typename Top>
    void take(const Top& m) {
        for (std::size_t u = 0; u < res_.size(); u++) {
            if (get_bits(m.nl_valid_o, int(u), 1) == 0) continue;
            const int at = 64 * int(u);
            const std::uint64_t arg = std::uint64_t(get_bits(m.nl_arg_o, at, 32)) |
                                      (std::uint64_t(get_bits(m.nl_arg_o, at + 32, 32)) << 32);
            int sh = 0;
            switch (m.nl_func_o) {
                case 0: res_[u] = rsqrt_u64(t_, arg, &sh); break;                 // NlRsqrt
                case 1: res_[u] = recip_u64(t_, arg, &sh); break;                 // NlRecip
                case 2: res_[u] = exp2neg_q16(t_, std::int64_t(arg)); break;      // NlExp2Neg
                default: res_[u] = sigmoid_q16(t_, std::int32_t(arg)); break;     // NlSigmoid
            }
            shift_[u] = sh;
        }
    }

  private:
    const Tables& t_;
    std::vector<std::int64_t> res_;
    std::vector<int> shift_;
};

}  // namespace hw::test
