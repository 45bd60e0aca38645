/* The REST provider (docs/providers.md, "The REST provider"): each resource
 * is one JSON document in the collection of its type on a team's own HTTP
 * API, so scaleplan can drive a provisioning service.
 *
 *   list    GET URL/<type> for every type (cache, datastore, gpu, queue,
 *           service): each answer one JSON array of documents, all of it
 *   read    GET URL/<type>/<id>; 404 is SP_ENOTFOUND
 *   create  POST URL/<type>; after an unanswered POST (or a 5xx, a 429)
 *           the document is read before the POST is sent again, and a 409
 *           is answered by reading it: the same document is success,
 *           another one is SP_EINVAL (it exists already)
 *   update  PUT URL/<type>/<id>, retried; 404 is SP_ENOTFOUND
 *   remove  DELETE URL/<type>/<id>, retried; 404 is success (it is gone)
 *
 * The document is the resource as providers/resource_json.c writes it for a
 * provider (address, type, name, region, attributes) with "id" first: the
 * address, which the URLs carry percent-encoded. Reading takes those
 * members, ignores any other the server adds, and refuses a document whose
 * id is not its address or whose type is not its collection.
 *
 * Requests go through providers/http.h with c's settings (timeouts,
 * retries with backoff on connection errors, 429 and 5xx, TLS checks),
 * c's headers (values expanded with sp_where_expand, held as secrets) and
 * the credentials of SCALEPLAN_REST_USERNAME, _PASSWORD, _CACERT, _CERT and
 * _KEY. The provider is safe to call from several threads: each call takes
 * an HTTP client of its own from a pool (one connection per thread).
 *
 * Its `where` is "rest URL", the URL without credentials. Errors name the
 * resource's address in err->file (the collection's URL for list), and the
 * method, the URL and the HTTP status in the message.
 *
 * Fault injection, as the local provider's: SCALEPLAN_FAULT_AT=N fails the
 * Nth create, update or remove of this process before it sends anything
 * (SCALEPLAN_FAULT_KIND=crash: _exit(137) there). */
#ifndef SP_PROVIDER_REST_H
#define SP_PROVIDER_REST_H

#include "lib/err.h"
#include "model/spec.h"
#include "providers/provider.h"

/* Opens the provider c describes (kind rest). Nothing is sent: a server
 * that is down is found by the first call. SP_EINVAL for a URL that is not
 * http(s):// or has a query or a fragment, a header or setting whose
 * ${VAR} is unset. */
int sp_provider_rest_open(struct sp_provider **out, const struct sp_provider_cfg *c, struct sp_err *err);

/* The resource types the provider lists, sorted, NULL-terminated. */
extern const char *const sp_rest_types[];

/* Restarts the operation count SCALEPLAN_FAULT_AT refers to (in-process tests). */
void sp_provider_rest_fault_reset(void);

#endif
