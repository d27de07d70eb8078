#include <stdlib.h>
#include "image_codecs.h"

void tk_codec_free(void *pointer) { free(pointer); }
