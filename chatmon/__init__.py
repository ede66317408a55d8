"""chatmon: the Django project (settings, urls, wsgi/asgi, Celery app, devstack) and chatmon's own apps.

Importing this package, or any of its apps, does not import the project: no settings module is chosen and
no Celery app is created. chatmon's own processes load `chatmon.celery` from their entry points.
"""
