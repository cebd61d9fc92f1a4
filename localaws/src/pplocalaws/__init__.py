"""The embedded local AWS: moto's server, made strict where AWS is strict, and a local gateway.

Other programs use ``pplocalaws.control`` (start, stop, status, endpoint) and nothing else;
the package never imports the deployment engine. See the package README for what it models
and how faithfully.
"""
