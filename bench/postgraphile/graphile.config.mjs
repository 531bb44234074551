// @ts-check
// PostGraphile 5 over the hub's database: a read-only GraphQL API of the
// tables of schema public, for comparison with the hub's own API.
//
// Environment: DATABASE_URL (required), PORT (default 5678), PG_POOL_MAX
// (node-postgres pool size, default 10).
import { fileURLToPath } from "node:url";

import { PgSimplifyInflectionPreset } from "@graphile/simplify-inflection";
import { makePgService } from "postgraphile/adaptors/pg";
import { PostGraphileAmberPreset } from "postgraphile/presets/amber";
import { pgSmartTagsFromFile } from "postgraphile/utils";

if (!process.env.DATABASE_URL) {
  throw new Error("DATABASE_URL is not set");
}
const port = Number.parseInt(process.env.PORT || "5678", 10);
const poolMax = Number.parseInt(process.env.PG_POOL_MAX || "10", 10);

/** @type {GraphileConfig.Preset} */
const preset = {
  extends: [PostGraphileAmberPreset, PgSimplifyInflectionPreset],
  plugins: [
    // Relations and hidden tables (the hub's database declares no foreign
    // keys between records).
    pgSmartTagsFromFile(fileURLToPath(new URL("./postgraphile.tags.json5", import.meta.url))),
  ],
  pgServices: [
    makePgService({
      connectionString: process.env.DATABASE_URL,
      schemas: ["public"],
      poolConfig: { max: poolMax },
      // No subscriptions: no LISTEN client.
      pubsub: false,
    }),
  ],
  gather: {
    // Watch mode is off; install nothing into the database.
    installWatchFixtures: false,
  },
  schema: {
    // Read-only: no create/update/delete mutations.
    defaultBehavior: "-insert -update -delete",
    // Fail on a naming conflict rather than drop the field silently.
    dontSwallowErrors: true,
  },
  grafast: {
    // No plan/SQL in the response's extensions.
    explain: false,
  },
  grafserv: {
    host: "127.0.0.1",
    port,
    graphqlPath: "/graphql",
    graphiql: false,
    graphiqlOnGraphQLGET: false,
    graphqlOverGET: false,
    websockets: false,
    watch: false,
    // Grafserv has no query batching: a JSON array body is refused (400).
  },
};

export default preset;
