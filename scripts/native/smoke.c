/* Smoke test of a built libpg_query on its own platform's loader: parses argv[1] and prints the JSON tree.
   Built and run by scripts/build-libpg-query.sh --smoke (natively, under qemu-user-static, under wine64). */
#include <stdio.h>
#include "pg_query.h"

int main(int argc, char **argv)
{
    PgQueryParseResult result = pg_query_parse(argc > 1 ? argv[1] : "SELECT 1");
    int failed = result.error != NULL;
    if (failed)
        fprintf(stderr, "parse error: %s\n", result.error->message);
    else
        printf("%s\n", result.parse_tree);
    pg_query_free_parse_result(result);
    return failed;
}
