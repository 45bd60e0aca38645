/* GPU training arithmetic (docs/model.md §5): FLOPs = 6 N D for N parameters and D
 * training tokens; GPU-hours = 6 N D / (peak FLOP/s * MFU * 3600).
 * Pure functions: no I/O, no state. */
#ifndef SP_GPU_H
#define SP_GPU_H

/* Training FLOPs, 6 * params * tokens (counts, not billions). NaN when either
 * is negative or not finite. */
double sp_gpu_training_flops(double params, double tokens);

/* GPU-hours to train `params` parameters on `tokens` tokens with GPUs of
 * peak_flops FLOP/s each (dense, e.g. 989e12 for an H100 in BF16) at model
 * FLOPs utilisation mfu in (0, 1]. Llama-3.1-405B on 15.6e12 tokens, H100,
 * MFU 0.40: 26.6e6 hours. NaN when an argument is out of its domain. */
double sp_gpu_training_hours(double params, double tokens, double peak_flops, double mfu);

/* Goodput: the share of paid GPU-hours that advance training (restarts,
 * failures, checkpoints and stragglers take the rest). Meta's Llama 3 paper
 * ("The Llama 3 Herd of Models", 2024): Llama 3.1 405B took 30.84 M H100-hours
 * where 6ND at 40 % MFU gives 26.6 M: 26.6 / 30.84 = 0.862. */
#define SP_GPU_DEFAULT_GOODPUT 0.862

/* GPU-hours paid for a run of `ideal` GPU-hours at goodput g in (0, 1]:
 * ideal / g. NaN when ideal is negative or not finite, or g out of (0, 1]. */
double sp_gpu_paid_hours(double ideal, double goodput);

/* Instances of `per_inst` GPUs each needed for gpus GPUs: ceil(gpus / per_inst)
 * (per_inst < 1 counts as 1; gpus <= 0 gives 0). A fleet in several regions
 * rounds in each region: instances do not span regions. */
int sp_gpu_instances(int gpus, int per_inst);

/* Instances of a fleet of n on the spot tier when at most max_share of it
 * may run on spot: floor(n x max_share) (the rest on demand); n when
 * max_share >= 1, 0 when it is <= 0 or NaN. */
int sp_gpu_spot_instances(int n, double max_share);

#endif
