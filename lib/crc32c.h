/* CRC-32C (Castagnoli, iSCSI and ext4's checksum): the checksum of state
 * files and journal records. It detects every error of up to 32 bits in a
 * burst, so every single changed byte, and any other change with a chance
 * of 2^-32 of passing. Not a defence against someone who edits a file on
 * purpose: it tells damage from content. */
#ifndef SP_CRC32C_H
#define SP_CRC32C_H
#include <stddef.h>
#include <stdint.h>

/* Continues a checksum: crc = sp_crc32c(0, a, n); crc = sp_crc32c(crc, b, m)
 * is the checksum of a then b. The check value of "123456789" is 0xe3069283. */
uint32_t sp_crc32c(uint32_t crc, const void *data, size_t len);

#endif
