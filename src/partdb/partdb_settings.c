/* Settings by name, the way avrdude's `config` command finds them: what a
 * fuse or lock byte says in Microchip's names, and the byte a new value
 * gives. Pure look-ups over the database: the terminal prints, the session
 * reads and writes, plan_fuse_guard.c judges. */
#include "ftisp/partdb.h"

#include <ctype.h>
#include <fnmatch.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const ft_fuse *byte_of(const ft_part *p, int i, int *index)
{
    if (i < p->nfuses) {
        *index = p->fuses[i].index;
        return &p->fuses[i];
    }
    *index = FT_LOCK_BYTE;
    return p->lock.name[0] ? &p->lock : NULL;
}

/* Fuses in byte order (low, high, extended), whatever order the file gave. */
static int order(const ft_part *p, int k)
{
    int idx[FT_MAX_FUSES + 1], n = 0;
    for (int want = 0; want < FT_MAX_FUSES; want++)
        for (int i = 0; i < p->nfuses; i++)
            if (p->fuses[i].index == want)
                idx[n++] = i;
    idx[n++] = p->nfuses;
    return k < n ? idx[k] : -1;
}

static ft_config_item item_of(const ft_fuse *f, int index, const ft_setting *s,
                              const uint8_t bytes[FT_CONFIG_BYTES])
{
    ft_config_item it = {.fuse = f, .setting = s, .byte = index};
    uint8_t b = bytes ? bytes[index] : s->factory;
    it.value = (uint8_t)(b & s->mask);
    it.number = ft_setting_number(s, b);
    it.value_name = ft_setting_value_name(s, b);
    return it;
}

int ft_config_count(const ft_part *p)
{
    return ft_config_list(p, NULL, NULL, 0);
}

int ft_config_list(const ft_part *p, const uint8_t bytes[FT_CONFIG_BYTES],
                   ft_config_item *out, int max)
{
    return ft_config_match(p, bytes, "*", out, max);
}

bool ft_config_name_matches(const char *pattern, const char *name)
{
    size_t n = strlen(pattern);
    if (n == 0)
        return false;
    if (strncasecmp(name, pattern, n) == 0)
        return true;
    char pat[128], low[128];
    if (n >= sizeof pat || strlen(name) >= sizeof low)
        return false;
    for (size_t i = 0; i <= n; i++)
        pat[i] = (char)tolower((unsigned char)pattern[i]);
    for (size_t i = 0; i <= strlen(name); i++)
        low[i] = (char)tolower((unsigned char)name[i]);
    return fnmatch(pat, low, 0) == 0;
}

int ft_config_match(const ft_part *p, const uint8_t bytes[FT_CONFIG_BYTES], const char *pattern,
                    ft_config_item *out, int max)
{
    int n = 0;
    for (int k = 0; order(p, k) >= 0; k++) {
        int index;
        const ft_fuse *f = byte_of(p, order(p, k), &index);
        for (int i = 0; f && i < f->nsettings; i++) {
            const ft_setting *s = &f->settings[i];
            if (strcasecmp(s->name, pattern) == 0) {
                /* An exact name means that setting, however many it prefixes. */
                if (out && max > 0)
                    out[0] = item_of(f, index, s, bytes);
                return 1;
            }
            if (ft_config_name_matches(pattern, s->name)) {
                if (out && n < max)
                    out[n] = item_of(f, index, s, bytes);
                n++;
            }
        }
    }
    return n;
}

/* "a, b, c" into buf, cut with "..." when it does not fit. */
static void add_name(char *buf, size_t len, const char *name)
{
    size_t used = strlen(buf);
    if (used + strlen(name) + 6 >= len) {
        if (used + 4 < len && (used < 3 || strcmp(buf + used - 3, "...") != 0))
            strcat(buf, "...");
        return;
    }
    if (used)
        strcat(buf, ", ");
    strcat(buf, name);
}

int ft_config_get(const ft_part *p, const uint8_t bytes[FT_CONFIG_BYTES], const char *pattern,
                  ft_config_item *item, ft_err *err)
{
    int n = ft_config_match(p, bytes, pattern, item, 1);
    if (n == 1)
        return FT_OK;
    enum { MAXL = 64 };
    ft_config_item all[MAXL];
    int m = n ? ft_config_match(p, bytes, pattern, all, MAXL) : ft_config_list(p, bytes, all, MAXL);
    char names[400] = "";
    for (int i = 0; i < m && i < MAXL; i++)
        add_name(names, sizeof names, all[i].setting->name);
    const char *pn = p->name[0] ? p->name : p->id;
    if (m == 0)
        return ft_err_set(err, FT_E_USAGE, "%s has no named fuse settings", pn);
    if (n == 0)
        return ft_err_set(err, FT_E_USAGE, "%s has no setting '%s'; its settings are: %s",
                          pn, pattern, names);
    return ft_err_set(err, FT_E_USAGE, "'%s' is ambiguous for %s: it selects %s", pattern, pn, names);
}

/* A number as avrdude's config takes it: decimal, 0x hex, 0b binary. */
static bool parse_number(const char *s, unsigned long *out)
{
    int base = 10;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        base = 16, s += 2;
    else if (s[0] == '0' && (s[1] == 'b' || s[1] == 'B'))
        base = 2, s += 2;
    if (!isxdigit((unsigned char)s[0]))
        return false;
    char *end;
    unsigned long v = strtoul(s, &end, base);
    if (*end != '\0' || v > 0xff)
        return false;
    *out = v;
    return true;
}

int ft_config_set(const ft_part *p, uint8_t bytes[FT_CONFIG_BYTES], const char *pattern,
                  const char *value, ft_config_item *item, ft_err *err)
{
    ft_config_item it;
    int rc = ft_config_get(p, bytes, pattern, &it, err);
    if (rc != FT_OK)
        return rc;
    const ft_setting *s = it.setting;
    uint8_t v;
    unsigned long num;
    if (parse_number(value, &num)) {
        unsigned top = ft_setting_number(s, 0xff);
        if (num > top)
            return ft_err_set(err, FT_E_USAGE, "%s=%s does not fit: %s takes 0 to %u", s->name,
                              value, s->name, top);
        v = ft_setting_from_number(s, (unsigned)num);
    } else {
        const ft_setting_value *hit = ft_setting_value_named(s, value);
        bool exact = hit != NULL;
        int n = exact ? 1 : 0;
        char names[400] = "";
        for (int i = 0; !exact && i < s->nvalues; i++)
            if (ft_config_name_matches(value, s->values[i].name)) {
                if (n++ == 0)
                    hit = &s->values[i];
                add_name(names, sizeof names, s->values[i].name);
            }
        if (n > 1)
            return ft_err_set(err, FT_E_USAGE, "%s=%s is ambiguous: it selects %s", s->name, value,
                              names);
        if (n == 0) {
            for (int i = 0; i < s->nvalues; i++)
                add_name(names, sizeof names, s->values[i].name);
            if (s->nvalues == 0)
                return ft_err_set(err, FT_E_USAGE, "%s has no named values: give a number",
                                  s->name);
            return ft_err_set(err, FT_E_USAGE, "%s has no value '%s'; its values are: %s",
                              s->name, value, names);
        }
        v = hit->value;
    }
    bytes[it.byte] = (uint8_t)((bytes[it.byte] & ~s->mask) | v);
    if (item)
        *item = item_of(it.fuse, it.byte, s, bytes);
    return FT_OK;
}

int ft_config_assign(const ft_part *p, uint8_t bytes[FT_CONFIG_BYTES], const char *assignment,
                     ft_config_item *item, ft_err *err)
{
    const char *eq = strchr(assignment, '=');
    char name[64];
    if (!eq || eq == assignment || !eq[1] || (size_t)(eq - assignment) >= sizeof name)
        return ft_err_set(err, FT_E_USAGE, "'%s': expected SETTING=VALUE, e.g. eesave=ee_preserved",
                          assignment);
    memcpy(name, assignment, (size_t)(eq - assignment));
    name[eq - assignment] = '\0';
    return ft_config_set(p, bytes, name, eq + 1, item, err);
}
