#include "model/gpu.h"

#include <math.h>

double sp_gpu_training_flops(double params, double tokens)
{
	if (!(params >= 0) || !(tokens >= 0) || !isfinite(params) || !isfinite(tokens))
		return NAN;
	return 6.0 * params * tokens;
}

double sp_gpu_training_hours(double params, double tokens, double peak_flops, double mfu)
{
	double flops = sp_gpu_training_flops(params, tokens);
	if (isnan(flops) || !(peak_flops > 0) || !isfinite(peak_flops) || !(mfu > 0 && mfu <= 1))
		return NAN;
	return flops / (peak_flops * mfu * 3600.0);
}
