"""The programme core: reverse-mentoring rules and use cases, free of any framework.

Nothing here may import Teams, HTTP, SQL, Graph or scheduler libraries; adapters around it implement the ports
declared in :mod:`programme.ports`.
"""
