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

double sp_gpu_paid_hours(double ideal, double goodput)
{
	if (!(ideal >= 0) || !isfinite(ideal) || !(goodput > 0 && goodput <= 1))
		return NAN;
	return ideal / goodput;
}

int sp_gpu_instances(int gpus, int per_inst)
{
	if (per_inst < 1)
		per_inst = 1;
	if (gpus <= 0)
		return 0;
	return gpus / per_inst + (gpus % per_inst != 0);
}

int sp_gpu_spot_instances(int n, double max_share)
{
	if (n <= 0 || !(max_share > 0))
		return 0;
	if (max_share >= 1)
		return n;
	/* a small epsilon so that 10 x 0.3 = 2.9999999999999996 counts 3 */
	return (int)floor(n * max_share + 1e-9);
}
