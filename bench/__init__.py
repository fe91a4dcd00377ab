"""`make bench`: load the large data set, serve it with gunicorn, measure each page with wrk."""
