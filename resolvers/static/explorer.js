// The AnimalTrack explorer: mounts the pinned GraphiQL (static/graphiql/) on #graphiql.
// A file of its own, not an inline script, so the page's Content-Security-Policy can allow
// scripts from this server only (`script-src 'self'`). The page hands its settings over in a
// JSON data block (#explorer-config), which browsers never run.
(function () {
  var config = JSON.parse(document.getElementById("explorer-config").textContent);
  // Operations go to the page's own path, by POST; subscriptions to the same path over a
  // WebSocket (graphql-transport-ws). GraphiQL sends the Headers tab with each POST and as the
  // connection_init payload of the WebSocket, where the server accepts the token.
  var httpUrl = new URL(window.location.href);
  httpUrl.search = "";
  httpUrl.hash = "";
  var wsUrl = new URL(httpUrl.href);
  wsUrl.protocol = httpUrl.protocol === "https:" ? "wss:" : "ws:";
  var fetcher = GraphiQL.createFetcher({
    url: httpUrl.href,
    subscriptionUrl: wsUrl.href,
  });
  var root = ReactDOM.createRoot(document.getElementById("graphiql"));
  root.render(
    React.createElement(GraphiQL, {
      fetcher: fetcher,
      defaultQuery: config.defaultQuery,
      defaultEditorToolsVisibility: config.dev ? false : "headers",
      isHeadersEditorEnabled: true,
      shouldPersistHeaders: false,
    })
  );
})();
