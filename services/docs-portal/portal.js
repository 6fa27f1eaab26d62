// Renders every service listed in specs/services.json (written by export_specs.py at build time),
// each with its own Swagger UI. Only the gateway gets "Try it out": the portal is served by the
// gateway, so its calls go to the same origin; the other services are not reachable from here.
'use strict'

;(function () {
  var TRY_IT = { gateway: true }

  function el(tag, attrs, children) {
    var node = document.createElement(tag)
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === 'text') node.textContent = attrs[key]
      else node.setAttribute(key, attrs[key])
    })
    ;(children || []).forEach(function (child) {
      node.appendChild(child)
    })
    return node
  }

  function render(services) {
    var list = document.getElementById('service-list')
    var main = document.getElementById('services')
    services.forEach(function (svc) {
      var id = 'service-' + svc.name
      list.appendChild(
        el('li', {}, [
          el('a', { href: '#' + id }, [
            el('span', { class: 'svc-name', text: svc.name }),
            el('span', { class: 'svc-meta', text: 'v' + svc.version + ' · ' + svc.operations + ' operations' }),
            el('span', { class: 'svc-desc', text: svc.description }),
          ]),
        ]),
      )
      var ui = el('div', { id: id + '-ui', class: 'swagger' })
      var section = el('section', { id: id, class: 'service', 'data-service': svc.name, 'aria-labelledby': id + '-title' }, [
        el('div', { class: 'service-head' }, [
          el('h2', { id: id + '-title', text: svc.title }),
          el('a', { href: svc.spec, class: 'raw', text: 'openapi.json' }),
        ]),
        el('p', { class: 'service-desc', text: svc.description }),
        el('p', {
          class: 'service-note',
          text: TRY_IT[svc.name]
            ? 'Public. "Try it out" sends real requests to this gateway.'
            : 'Internal: called by the gateway inside the mesh, not reachable from the browser.',
        }),
        ui,
      ])
      main.appendChild(section)
      window.SwaggerUIBundle({
        url: svc.spec,
        domNode: ui,
        deepLinking: false,
        validatorUrl: null,
        docExpansion: 'list',
        defaultModelsExpandDepth: 0,
        tryItOutEnabled: false,
        supportedSubmitMethods: TRY_IT[svc.name] ? ['get', 'post', 'put', 'delete', 'patch'] : [],
      })
    })
  }

  fetch('specs/services.json')
    .then(function (r) {
      if (!r.ok) throw new Error('HTTP ' + r.status)
      return r.json()
    })
    .then(function (index) {
      render(index.services)
    })
    .catch(function (err) {
      document.getElementById('services').appendChild(
        el('p', { class: 'portal-error', role: 'alert', text: 'The service list could not be loaded: ' + err.message }),
      )
    })
})()
