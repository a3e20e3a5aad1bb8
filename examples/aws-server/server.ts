import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { z } from "zod";

// A small stand-in for an AWS HealthOmics MCP server: list, get, start and
// delete tools with fake data, for the demo and the tests. Nothing here talks to AWS.

const server = new McpServer({ name: "example-aws-healthomics", version: "1.0.0" });
const readSets = [
  { id: "rs-0001", name: "NA12878-chr20", status: "ACTIVE" },
  { id: "rs-0002", name: "HG002-exome", status: "ACTIVE" },
];
let nextJob = 1;

const text = (value: unknown) => ({ content: [{ type: "text" as const, text: JSON.stringify(value) }] });

server.registerTool(
  "ListAHOReadSets",
  { description: "List read sets in a sequence store.", inputSchema: { sequenceStoreId: z.string() }, annotations: { readOnlyHint: true } },
  async ({ sequenceStoreId }) => text({ sequenceStoreId, readSets }),
);
server.registerTool(
  "GetAHOReadSet",
  {
    description: "Get one read set's metadata.",
    inputSchema: { sequenceStoreId: z.string(), readSetId: z.string() },
    annotations: { readOnlyHint: true },
  },
  async ({ readSetId }) => text(readSets.find((r) => r.id === readSetId) ?? { error: "not found" }),
);
server.registerTool(
  "StartAHOReadSetExportJob",
  {
    description: "Export read sets to S3.",
    inputSchema: { sequenceStoreId: z.string(), destination: z.string(), readSetIds: z.array(z.string()).optional() },
  },
  async ({ destination }) => text({ jobId: `export-${nextJob++}`, destination, status: "SUBMITTED" }),
);
server.registerTool(
  "DeleteAHOSequenceStore",
  {
    description: "Delete a sequence store and everything in it.",
    inputSchema: { sequenceStoreId: z.string() },
    annotations: { destructiveHint: true },
  },
  async ({ sequenceStoreId }) => text({ deleted: sequenceStoreId }),
);
server.registerTool(
  "DeleteAHOReadSet",
  {
    description: "Delete read sets.",
    inputSchema: { sequenceStoreId: z.string(), readSetIds: z.array(z.string()) },
    annotations: { destructiveHint: true },
  },
  async ({ readSetIds }) => text({ deleted: readSetIds }),
);

await server.connect(new StdioServerTransport());
