// SPDX-License-Identifier: MIT
#include "chip_data.h"

#include "calibrate.h"

namespace hw {

ChipData make_chip_data(const Model& model, const WeightFormat& format) {
    const Calibration cal = calibrate(model);
    ChipData d{quantize_model(model, format, &cal), make_tables(model.config),
               make_constants(model.config), "gptq, " + cal.description};
    return d;
}

}  // namespace hw
