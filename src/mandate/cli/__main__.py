from mandate.cli import main

main()
