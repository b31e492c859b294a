pytest_plugins = ["pingan_common.testing.infra"]
