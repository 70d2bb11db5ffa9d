// Starts Swagger UI on the API's documentation page (/schema) with the OpenAPI document the page
// names: a file of its own, so that the page runs no inline script.
(function () {
  "use strict";
  var openapi = document.currentScript.getAttribute("data-openapi");
  window.SwaggerUIBundle({
    url: openapi,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
  });
})();
