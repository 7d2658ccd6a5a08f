"""Pages of the monitoring, one module per subject: ``rounds`` (the authorities' rounds, pool, draw, state changes),
``colleges`` (selected colleges, representatives, results, documents), ``representative`` (the representative's phone
pages and acts) and ``college`` (the college administrator's pages under /colleges/<college>/monitoring/)."""
