// A URI as a WHATWG URL parser reads it: Node's `new URL()`, and pydantic's
// AnyUrl (the Rust url crate), which the MCP Python SDK applies to every
// resources/read before a server sees it. Such a parser reads
// `https:internal.corp/x`, `https://u@internal.corp:443/x`,
// `http://0x7f.1/` and `file:///C|/x` as `https://internal.corp/x`,
// `http://127.0.0.1/` and `file:///C:/x`; the policy must too. Userinfo,
// query and fragment are dropped: none of them changes which resource a
// URL library fetches.

/** The URL a WHATWG parser makes of the URI, without userinfo, query and fragment; undefined when it cannot parse it (nor could a server that uses one). */
export function urlLibraryForm(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return undefined;
  }
  url.hash = "";
  url.search = "";
  if (url.username !== "" || url.password !== "") {
    url.username = "";
    url.password = "";
  }
  return url.href;
}
