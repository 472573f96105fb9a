/* Is a board in the socket? Only Programming Enable and signature reads:
 * nothing a half-inserted board (pins touching in any order) can be harmed
 * by, and the target is left running (RESET released) between looks. */
#include <string.h>

#include "isp_priv.h"

#define PROBE_SETTLE_US 20000   /* datasheet: RESET low at least 20 ms before Programming Enable */

int ft_isp_probe(ft_isp *isp, uint32_t sck_hz, uint8_t sig[3], ft_err *err)
{
    isp->enabled = false;
    isp->ext = -1;
    uint8_t r[4] = {0};
    static const uint8_t pe[4] = {0xAC, 0x53, 0x00, 0x00};
    ft_wire_set_clock(isp->w, sck_hz);
    ft_wire_reset(isp->w, true);
    ft_wire_sleep_us(isp->w, PROBE_SETTLE_US);
    ft_wire_shift(isp->w, pe, r, 4);
    if (ft_wire_flush(isp->w))
        return isp_wire_status(isp, err);
    bool answered = r[2] == 0x53;
    if (answered) {
        for (uint8_t i = 0; i < 3; i++)
            isp_cmd(isp, 0x30, 0x00, i, 0x00, &sig[i]);
    }
    ft_wire_reset(isp->w, false);
    if (ft_wire_flush(isp->w))
        return isp_wire_status(isp, err);
    if (!answered)
        return ft_err_set(err, FT_E_TARGET, "no target answers");
    return FT_OK;
}
