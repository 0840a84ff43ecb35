// Starts Swagger UI on /docs (src/routes/docs): the document from this origin, and no call to the public
// validator (Swagger UI's default would send the document to validator.swagger.io).
globalThis.ui = globalThis.SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui", deepLinking: true, validatorUrl: null });
