import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { classifyTool } from "../../src/classify/classify-tool.js";
import type { ToolClass } from "../../src/classify/verbs.js";
import { ROOT } from "../helpers/paths.js";

// Every tool of the four real catalogues, classified on purpose. A change to
// the verb tables that moves any of them must change this table too, and
// docs/init-and-explain.md, which explains the judgement calls (marked *).

const REAL = join(ROOT, "test", "fixtures", "real-servers");

const EXPECTED: Record<string, Record<string, ToolClass>> = {
  "awslabs.cloudtrail-mcp-server": {
    lookup_events: "read",
    lake_query: "read", // * a SQL query against CloudTrail Lake: read, though each query is billed by data scanned
    get_query_status: "read",
    get_query_results: "read",
    list_event_data_stores: "read",
  },
  "awslabs.timestream-for-influxdb-mcp-server": {
    CreateDbCluster: "write",
    CreateDbInstance: "write",
    LsInstancesOfCluster: "read", // * "Ls" is a read verb
    ListDbInstances: "read",
    ListDbClusters: "read",
    GetDbParameterGroup: "read",
    GetDbInstance: "read",
    GetDbCluster: "read",
    DeleteDbInstance: "destructive",
    DeleteDbCluster: "destructive",
    ListDbParamGroups: "read",
    ListTagsForResource: "read",
    TagResource: "write",
    UntagResource: "write", // * removing tags changes metadata; it destroys nothing
    UpdateDbCluster: "write",
    UpdateDbInstance: "write",
    LsInstancesByStatus: "read",
    ListClustersByStatus: "read",
    CreateDbParamGroup: "write",
    InfluxDBWritePoints: "write", // product prefix "InfluxDB", then the verb
    InfluxDBWriteLP: "write",
    InfluxDBQuery: "read", // * Flux can also write (to()); the verb says read
    InfluxDBListBuckets: "read",
    InfluxDBCreateBucket: "write",
    InfluxDBListOrgs: "read",
    InfluxDBCreateOrg: "write",
  },
  "awslabs.aws-healthomics-mcp-server": {
    ListAHOWorkflows: "read",
    CreateAHOWorkflow: "write",
    GetAHOWorkflow: "read",
    CreateAHOWorkflowVersion: "write",
    ListAHOWorkflowVersions: "read",
    StartAHORun: "execute",
    ListAHORuns: "read",
    GetAHORun: "read",
    ListAHORunTasks: "read",
    GetAHORunTask: "read",
    CreateAHORunGroup: "write",
    GetAHORunGroup: "read",
    ListAHORunGroups: "read",
    UpdateAHORunGroup: "write",
    CreateAHORunCache: "write",
    GetAHORunCache: "read",
    ListAHORunCaches: "read",
    UpdateAHORunCache: "write",
    StartAHORunBatch: "execute",
    GetAHOBatch: "read",
    ListAHOBatches: "read",
    ListAHORunsInBatch: "read",
    CancelAHORunBatch: "execute", // * stopping work loses no stored data
    DeleteAHORunBatch: "destructive",
    DeleteAHOBatch: "destructive",
    GetAHORunLogs: "read",
    GetAHORunManifestLogs: "read",
    GetAHORunEngineLogs: "read",
    GetAHOTaskLogs: "read",
    AnalyzeAHORunPerformance: "read",
    GenerateAHORunTimeline: "execute", // * generate: it can write its chart to output_path
    DiagnoseAHORunFailure: "read",
    LintAHOWorkflowDefinition: "read",
    LintAHOWorkflowBundle: "read",
    SearchGenomicsFiles: "read",
    GetSupportedFileTypes: "read",
    PackageAHOWorkflow: "execute", // * package: builds a ZIP, which it can write to output_path
    GetAHOSupportedRegions: "read",
    ListCodeConnections: "read",
    CreateCodeConnection: "write",
    GetCodeConnection: "read",
    ListECRRepositories: "read",
    CheckContainerAvailability: "read", // * check is read, though initiate_pull_through: true starts a pull
    CloneContainerToECR: "write", // * clone creates a repository and grants access
    GrantHealthOmicsRepositoryAccess: "write", // * grant changes a permission (revoke is destructive)
    ListPullThroughCacheRules: "read",
    CreatePullThroughCacheForHealthOmics: "write",
    CreateContainerRegistryMap: "write",
    ValidateHealthOmicsECRConfig: "read",
    CreateAHOSequenceStore: "write",
    ListAHOSequenceStores: "read",
    GetAHOSequenceStore: "read",
    UpdateAHOSequenceStore: "write",
    ListAHOReadSets: "read",
    GetAHOReadSetMetadata: "read", // "Read" and "Set" are nouns here: the first verb, Get, decides
    StartAHOReadSetImportJob: "execute",
    GetAHOReadSetImportJob: "read",
    ListAHOReadSetImportJobs: "read",
    StartAHOReadSetExportJob: "execute",
    GetAHOReadSetExportJob: "read",
    ListAHOReadSetExportJobs: "read",
    ActivateAHOReadSets: "write", // * activate switches something on: write
    ListAHOReferenceStores: "read",
    GetAHOReferenceStore: "read",
    ListAHOReferences: "read",
    GetAHOReferenceMetadata: "read",
    StartAHOReferenceImportJob: "execute",
    GetAHOReferenceImportJob: "read",
    ListAHOReferenceImportJobs: "read",
    CreateAHOConfiguration: "write",
    GetAHOConfiguration: "read",
    ListAHOConfigurations: "read",
    DeleteAHOConfiguration: "destructive",
  },
  "awslabs.valkey-mcp-server": {
    json_get: "read",
    json_set: "write",
    json_arrappend: "write", // "append" inside "arrappend"
    json_arrpop: "destructive", // * pop removes an element
    json_arrtrim: "destructive", // * trim discards elements outside the range
    add_documents: "write",
    aggregate: "read",
    manage_index: "write", // * manage can create or drop an index: a person sees which in the approval
    search: "read",
    valkey_admin: "destructive", // * admin runs FLUSHALL, CONFIG SET and the like
    valkey_read: "read",
    valkey_write: "write",
  },
};

const catalogues = readdirSync(REAL)
  .filter((file) => file.endsWith(".json"))
  .map((file) => JSON.parse(readFileSync(join(REAL, file), "utf8")) as { server: string; tools: Record<string, unknown>[] });

describe("the four real catalogues", () => {
  it("hold the 116 tools this table classifies, no more and no fewer", () => {
    assert.deepEqual(catalogues.map((c) => c.server).sort(), Object.keys(EXPECTED).sort());
    for (const catalogue of catalogues) {
      assert.deepEqual(
        catalogue.tools.map((tool) => tool.name),
        Object.keys(EXPECTED[catalogue.server] ?? {}),
        catalogue.server,
      );
    }
    assert.equal(
      Object.values(EXPECTED).reduce((n, tools) => n + Object.keys(tools).length, 0),
      116,
    );
  });

  for (const catalogue of catalogues) {
    it(`classifies every tool of ${catalogue.server} as expected, with evidence`, () => {
      const actual = Object.fromEntries(catalogue.tools.map((tool) => [tool.name, classifyTool(tool).class]));
      assert.deepEqual(actual, EXPECTED[catalogue.server]);
      for (const tool of catalogue.tools) assert.match(classifyTool(tool).evidence.join("; "), /verb "/, String(tool.name));
    });
  }

  it("leaves none of them unknown, and finds each class in the real world", () => {
    const counts = new Map<ToolClass, number>();
    for (const tools of Object.values(EXPECTED)) for (const c of Object.values(tools)) counts.set(c, (counts.get(c) ?? 0) + 1);
    assert.deepEqual(Object.fromEntries(counts), { read: 69, write: 31, destructive: 8, execute: 8 });
  });
});
