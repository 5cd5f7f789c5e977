from insatsgraf.cli import main

main()
