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

#endif
