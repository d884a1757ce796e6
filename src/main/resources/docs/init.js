// Swagger UI over the service's own contract. "Try it out" sends the key typed into "Authorize"; the key lives only
// in this page's memory.
window.ui = SwaggerUIBundle({
  url: '/docs/openapi/profilehub.yaml',
  dom_id: '#swagger-ui',
  deepLinking: true,
  validatorUrl: null,
  persistAuthorization: false,
});
