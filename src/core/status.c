/*
 * Status codes: names and generic descriptions, kept in one table so the
 * enum in ranvier.h, the names and the messages cannot drift apart.
 */
#include "ranvier/ranvier.h"

#define RV__STATUS_TABLE(X)                                                  \
    X(RV_OK, "success")                                                      \
    X(RV_ERR_NULL, "a required pointer argument is NULL")                    \
    X(RV_ERR_VALUE, "an argument value is out of range or not finite")       \
    X(RV_ERR_HANDLE, "unknown population, projection or source handle")     \
    X(RV_ERR_NAME, "unknown model, parameter, variable or receptor name")    \
    X(RV_ERR_SIZE, "array lengths do not match")                             \
    X(RV_ERR_PHASE, "the call is not allowed in the current phase")          \
    X(RV_ERR_NOMEM, "out of memory")                                         \
    X(RV_ERR_LIMIT, "an implementation limit was exceeded")                  \
    X(RV_ERR_INDEX, "a neuron or connection index is out of range")

#define RV__NAME_ENTRY(code, text) [code] = #code,
#define RV__TEXT_ENTRY(code, text) [code] = text,

static const char *const status_names[] = {RV__STATUS_TABLE(RV__NAME_ENTRY)};
static const char *const status_texts[] = {RV__STATUS_TABLE(RV__TEXT_ENTRY)};

#define N_STATUS ((int)(sizeof status_names / sizeof status_names[0]))

const char *rv_status_name(int status)
{
    if (status < 0 || status >= N_STATUS)
        return "RV_ERR_UNKNOWN";
    return status_names[status];
}

const char *rv_status_string(int status)
{
    if (status < 0 || status >= N_STATUS)
        return "unknown status code";
    return status_texts[status];
}

const char *rv_version(void)
{
    return RV_VERSION_STRING;
}
