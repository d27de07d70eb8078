#ifndef TAILKIT_CODEC_LIMITS_H
#define TAILKIT_CODEC_LIMITS_H

#include <stdio.h>
#include <string.h>

/// Larger images are refused so that a corrupt header cannot ask for an absurd allocation.
#define TK_MAX_PIXELS ((size_t)1 << 28)

static inline void tk_set_error(char *buffer, const char *message) {
    snprintf(buffer, 200, "%s", message);
}

#endif
